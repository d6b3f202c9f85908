"""Signing in and out: per-client rate limit, password checks off the event loop."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from sanic import Sanic, response
from sanic.request import Request

from console import auth
from console.web import COOKIE, Console

# argon2 takes tens of milliseconds and 64 MiB per check: off the event loop, so sign-ins
# never stall other pages, and two at a time, so a burst of them cannot exhaust memory.
_password_checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="password-check")


def safe_next(path: str) -> str:
    """Only a path on this site: never '//evil.example' or 'https://…'."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


def register(app: Sanic, console: Console) -> None:
    settings = console.settings

    @app.get("/login")
    async def login_form(request: Request):
        return await console.page("login.html", None, next=request.args.get("next", "/"))

    @app.post("/login")
    async def login(request: Request):
        username = (request.form.get("username") or "").strip()[:200]
        next_path = safe_next(request.form.get("next") or "/")
        client = request.remote_addr or request.ip
        wait = console.failed_sign_ins.retry_after(client)
        if wait:
            minutes = max(1, round(wait / 60))
            result = await console.page("login.html", None, 429, next=next_path, error=(
                f"Too many failed sign-ins from this network. Please wait {minutes} minute"
                f"{'s' if minutes > 1 else ''} and try again."))
            result.headers["Retry-After"] = str(int(wait) + 1)
            return result
        try:
            token = await asyncio.get_running_loop().run_in_executor(
                _password_checks, auth.sign_in, console.console_db, username,
                request.form.get("password") or "", settings.session_minutes)
        except auth.AuthError as error:
            console.failed_sign_ins.failed(client)
            # Only a real account name is kept: people type passwords into the name field.
            known = await console.blocking(auth.user_exists, console.console_db, username)
            await console.audit(username if known else "unknown", "sign_in_failed")
            return await console.page("login.html", None, 401, error=str(error), next=next_path)
        await console.audit(username, "sign_in")
        result = response.redirect(next_path)
        result.cookies[COOKIE] = auth.sign_cookie(settings.secret_key, token)
        result.cookies[COOKIE]["httponly"] = True
        result.cookies[COOKIE]["samesite"] = "Strict"
        result.cookies[COOKIE]["path"] = "/"
        result.cookies[COOKIE]["max-age"] = settings.session_minutes * 60
        if settings.secure_cookies:
            result.cookies[COOKIE]["secure"] = True
        return result

    @app.post("/logout")
    @console.signed_in()
    async def logout(request: Request, session: auth.Session):
        token = auth.token_from_cookie(settings.secret_key, request.cookies.get(COOKIE))
        await console.blocking(auth.sign_out, console.console_db, token)
        console.presence.signed_out(session.user.username)
        result = response.redirect("/login")
        del result.cookies[COOKIE]
        return result
