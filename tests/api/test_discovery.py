"""Framework-version discovery (issue 12.2): ``GET /crmRestApi/resources/`` lists the
resource versions, and a GET on the version root answers the resource catalog."""

import pytest
from rest_framework.test import APIClient

from tests.api.helpers import COLLECTION_TYPE, DESCRIPTION_TYPE, HOST, ROOT, client_for, user_with

pytestmark = pytest.mark.django_db

RESOURCES = "/crmRestApi/resources/"


def test_the_resources_root_lists_the_release_with_its_framework_versions(admin_api, settings):
    settings.CALLBOOK_DEFAULT_FRAMEWORK_VERSION = 2
    response = admin_api.get(RESOURCES)
    assert response.status_code == 200
    assert response["Content-Type"] == COLLECTION_TYPE
    body = response.json()
    (item,) = body["items"]
    assert item["version"] == "11.13.18.05"
    assert item["isLatest"] is True
    assert item["adf:extension"] == {
        "defaultFrameworkVersion": "2",
        "allowedFrameworkVersions": [str(v) for v in range(1, 10)],
    }
    links = {entry["rel"]: entry["href"] for entry in item["links"]}
    assert links == {
        "self": HOST + ROOT,
        "canonical": HOST + ROOT,
        "describe": f"{HOST}{ROOT}/describe",
    }
    assert body["links"] == [
        {"rel": "self", "href": HOST + RESOURCES, "name": "self", "kind": "collection"}
    ]


def test_the_resources_root_needs_a_login_but_no_model_permission():
    assert APIClient().get(RESOURCES).status_code == 401
    nobody = client_for(user_with(username="nobody"))
    assert nobody.get(RESOURCES).status_code == 200


@pytest.mark.parametrize("root", [ROOT, f"{ROOT}/", "/crmRestApi/resources/latest"])
def test_a_get_on_the_version_root_answers_the_resource_catalog(admin_api, root):
    response = admin_api.get(root)
    assert response.status_code == 200
    assert response["Content-Type"] == DESCRIPTION_TYPE
    assert response.json() == admin_api.get(f"{ROOT}/describe?metadataMode=list").json()
    assert "phoneCalls" in response.json()["Resources"]


def test_the_version_root_catalog_needs_view_like_describe():
    nobody = client_for(user_with(username="nobody"))
    assert nobody.get(ROOT).status_code == 403
    reader = client_for(user_with("view_phonecall", username="reader"))
    assert reader.get(ROOT).status_code == 200


def test_discovery_runs_no_query_for_a_superuser(admin_api, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert admin_api.get(RESOURCES).status_code == 200
        assert admin_api.get(ROOT).status_code == 200
