from django.urls import path

from . import export, views

app_name = "calls"

urlpatterns = [
    path("", views.call_list, name="list"),
    path("calls/export.csv", export.call_list_csv, name="export-csv"),
    path("calls/new.json", views.call_list_updates, name="list-updates"),
    path("calls/<int:call_id>/", views.call_detail, name="detail"),
    path("calls/<int:call_id>/recording", views.call_recording, name="recording"),
    path("calls/<int:call_id>/recording/played", views.recording_played, name="recording-played"),
    path("calls/<int:call_id>/transcript.txt", views.transcript_download, name="transcript"),
    path("calls/<int:call_id>/transcript.vtt", views.transcript_vtt, name="transcript-vtt"),
]
