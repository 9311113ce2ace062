"""Camera events pushed by devices: Hikvision ISAPI alerts and ONVIF notifications.

A device set up with an HTTP listening host usually cannot add headers: besides
``Authorization: Bearer KEY`` these routes take the key as the password of HTTP Basic
authentication (any user name), and a 401 challenges for Basic. Devices expect a quick 200:
the answer is 200 with the per-item results once the accepted events are committed; a body
that is not XML of the expected kind is a 422 problem (``forbidden_xml`` for DTDs and
entities, refused before any expansion).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gridsvc.api.routes.camera_events import BatchOut, IntakeDep, recorded
from gridsvc.services import camera_inputs

router = APIRouter(prefix="/api/v1/ingest", tags=["camera events"])


_XML = {"schema": {"type": "string", "description": "EventNotificationAlert XML"}}
ISAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One EventNotificationAlert (XML); multipart/form-data with the alert "
        "part and picture parts named as in pictureInfo/fileName; or an alertStream chunk "
        "(multipart/mixed, parts application/xml)",
        "content": {
            "application/xml": _XML,
            "text/xml": _XML,
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "format": "binary"},
                }
            },
        },
    }
}
ONVIF_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            media: {"schema": {"type": "string", "description": "SOAP Envelope with a Notify"}}
            for media in ("application/soap+xml", "application/xml", "text/xml")
        },
    }
}


@router.post(
    "/isapi",
    responses={200: {"model": BatchOut}},
    summary="Hikvision ISAPI alerts from a device's HTTP listening host (pictures included)",
    openapi_extra=ISAPI_BODY,
)
async def ingest_isapi(request: Request, intake: IntakeDep) -> Response:
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    return await recorded(camera_inputs.record_isapi, intake, body, content_type)


@router.post(
    "/onvif",
    responses={200: {"model": BatchOut}},
    summary="ONVIF event notifications (WS-BaseNotification Notify)",
    openapi_extra=ONVIF_BODY,
)
async def ingest_onvif(request: Request, intake: IntakeDep) -> Response:
    return await recorded(camera_inputs.record_onvif, intake, await request.body())
