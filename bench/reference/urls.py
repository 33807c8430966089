from rest_framework.routers import SimpleRouter

from .api import CallViewSet

router = SimpleRouter(trailing_slash=False)
router.register("crmRestApi/resources/11.13.18.05/phoneCalls", CallViewSet, basename="call")
urlpatterns = router.urls
