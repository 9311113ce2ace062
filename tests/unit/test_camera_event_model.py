from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from cameras.events import CameraEvent, derived_id, isapi_refs, normalise_alias, onvif_refs

T = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)


def _event(**kw: object) -> CameraEvent:
    base: dict = {
        "camera_refs": ("ip:10.0.0.5/1",),
        "type": "motion",
        "occurred_at": T,
        "source": "isapi",
        "raw": "<x/>",
    }
    return CameraEvent(**{**base, **kw})


def test_derived_id_is_stable_across_time_zones_and_payload_text() -> None:
    shanghai = timezone(timedelta(hours=8))
    a = _event(raw="<a/>")
    b = _event(occurred_at=T.astimezone(shanghai), raw="<b/>")
    assert derived_id(a) == derived_id(b) and a.key() == b.key()
    assert a.key().startswith("isapi:")


def test_derived_id_tells_events_apart() -> None:
    base = _event()
    others = [
        _event(type="tamper"),
        _event(state="active"),
        _event(occurred_at=T + timedelta(seconds=1)),
        _event(camera_refs=("ip:10.0.0.6/1",)),
        _event(attrs={"region": "2"}),
    ]
    assert len({derived_id(e) for e in [base, *others]}) == 6


def test_sender_id_wins() -> None:
    assert _event(event_id="abc").key() == "abc"


def test_alias_forms() -> None:
    assert normalise_alias("  MAC:AA:BB ") == "mac:aa:bb"
    assert isapi_refs("44-19-B6-00-00-01", "192.168.1.64", "2") == (
        "mac:44:19:b6:00:00:01/2",
        "ip:192.168.1.64/2",
        "mac:44:19:b6:00:00:01",
        "ip:192.168.1.64",
    )
    assert isapi_refs(None, "10.1.1.1", None) == ("ip:10.1.1.1",)
    assert onvif_refs("http://10.0.0.9/onvif/Events", "VSC_1") == (
        "onvif:http://10.0.0.9/onvif/events/vsc_1",
        "onvif:http://10.0.0.9/onvif/events",
    )
    assert onvif_refs(None, "x") == ()
