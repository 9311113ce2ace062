"""Browser login: an API key typed once opens a server-side session (no key in URLs)."""

from __future__ import annotations

import html
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridsvc import csrf, sessions
from gridsvc.api.deps import (
    EngineDep,
    PrincipalsDep,
    SettingsDep,
    check_same_origin,
    client_address,
    uses_https,
)
from gridsvc.errors import Unauthorized
from gridsvc.services import logins

router = APIRouter(tags=["session"])

TEXT = {
    "zh-CN": {
        "title": "gridsvc 指挥中心 — 登录", "heading": "网格化管理指挥中心", "key": "API 密钥",
        "submit": "登录", "other": "English", "bad": "密钥无效或已吊销。",
        "hint": "请输入管理员发放的 API 密钥。",
    },
    "en": {
        "title": "gridsvc command centre — log in", "heading": "Grid management command centre",
        "key": "API key", "submit": "Log in", "other": "中文",
        "bad": "The key is unknown or revoked.",
        "hint": "Enter the API key your administrator gave you.",
    },
}  # fmt: skip

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#0f1b2d;
color:#e8eef7;display:flex;align-items:center;justify-content:center;height:100vh;margin:0}}
form{{background:#16263f;padding:2rem;border-radius:8px;width:min(22rem,90vw)}}
input{{width:100%;box-sizing:border-box;padding:.6rem;margin:.5rem 0 1rem;border-radius:4px;
border:1px solid #345}} button{{width:100%;padding:.6rem;background:#2d7ff9;color:#fff;border:0;
border-radius:4px;font-size:1rem}} .err{{color:#ff8a80}} a{{color:#9cc3ff}}
</style></head><body>
<form method="post" action="/login">
<h1 style="font-size:1.2rem">{heading}</h1><p>{hint}</p>{error}
<label for="key">{key}</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="{next}"><input type="hidden" name="lang" value="{lang}">
<button type="submit">{submit}</button>
<p><a href="/login?lang={other_lang}&amp;next={next_q}">{other}</a></p>
</form></body></html>"""


def _lang(value: str | None) -> str:
    return "en" if (value or "").lower().startswith("en") else "zh-CN"


def login_page(next_path: str, lang: str, error: bool = False, status: int = 200) -> HTMLResponse:
    """The bilingual login form."""
    t = TEXT[lang]
    body = PAGE.format(
        lang=lang, next=html.escape(next_path), next_q=quote(next_path, safe=""),
        other_lang="en" if lang == "zh-CN" else "zh-CN",
        error=f'<p class="err" role="alert">{t["bad"]}</p>' if error else "", **t,
    )  # fmt: skip
    return HTMLResponse(body, status_code=status)


@router.get("/login", include_in_schema=False)
def login_form(next: str | None = None, lang: Annotated[str | None, Query()] = None) -> Response:
    return login_page(sessions.safe_next(next), _lang(lang))


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    principals: PrincipalsDep,
    key: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/map",
    lang: Annotated[str, Form()] = "zh-CN",
) -> Response:
    check_same_origin(request)
    target = sessions.safe_next(next)
    try:
        token, _ = logins.log_in(
            engine,
            principals,
            key.strip(),
            secret=request.app.state.session_secret,
            hours=settings.session_hours,
            address=client_address(request),
        )
    except Unauthorized:
        return login_page(target, _lang(lang), error=True, status=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=csrf.cookie_secure(settings.cookie_secure, uses_https(request)),
        path="/",
    )
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, engine: EngineDep, principals: PrincipalsDep) -> Response:
    token = request.cookies.get(sessions.COOKIE)
    if token:
        check_same_origin(request)
        logins.log_out(
            engine,
            principals,
            token,
            secret=request.app.state.session_secret,
            address=client_address(request),
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response
