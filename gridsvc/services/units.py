"""Reading the hierarchy, with the caller's scope applied."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine

from gridsvc.auth import Action, Principal, authorize, require_unit, visible_codes
from gridsvc.errors import NotFound
from gridsvc.repositories import units as units_repo
from gridsvc.repositories.units import UnitFilter


def _scoped(principal: Principal, f: UnitFilter) -> UnitFilter:
    authorize(principal, Action.READ_UNITS)
    if principal.district and f.adcode and f.adcode != principal.district:
        return replace(f, visible=frozenset())
    adcode = f.adcode or principal.district
    return replace(f, adcode=adcode, visible=visible_codes(principal))


def feature_collection(
    engine: Engine, principal: Principal, f: UnitFilter, *, limit: int, offset: int
) -> dict:
    """Matching units as an RFC 7946 FeatureCollection with paging counts."""
    f = _scoped(principal, f)
    with engine.connect() as conn:
        total = units_repo.count_units(conn, f)
        features = units_repo.select_features(conn, f, limit, offset)
    return {
        "type": "FeatureCollection",
        "numberMatched": total,
        "numberReturned": len(features),
        "features": features,
    }


def labels(engine: Engine, principal: Principal, f: UnitFilter, *, limit: int) -> dict:
    """Label points of matching units as a FeatureCollection."""
    f = _scoped(principal, f)
    with engine.connect() as conn:
        features = units_repo.select_labels(conn, f, limit)
    return {"type": "FeatureCollection", "numberReturned": len(features), "features": features}


def unit_feature(engine: Engine, principal: Principal, code: str) -> dict:
    """One unit as a Feature; NotFound when absent or out of the caller's scope."""
    require_unit(principal, code)
    with engine.connect() as conn:
        feature = units_repo.get_feature(conn, code)
    if feature is None:
        raise NotFound(f"no grid with code '{code}'")
    return feature


def children(engine: Engine, principal: Principal, code: str, *, limit: int, offset: int) -> dict:
    """The children of one unit as a FeatureCollection."""
    unit_feature(engine, principal, code)
    return feature_collection(
        engine, principal, UnitFilter(parent=code), limit=limit, offset=offset
    )
