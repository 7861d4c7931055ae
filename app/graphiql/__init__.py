"""GraphiQL served entirely by the gateway: no CDN, so it works on a network without internet.

The browser builds of GraphiQL, its explorer plugin and React are vendored from their pinned npm
packages (`static/vendor/`, with their licences and a manifest; `clients/graphiql/vendor.mjs`
refreshes them from `clients/package-lock.json`). Assets are served under a content digest, so
they are cached for a year and never stale. The page carries a Content-Security-Policy that
allows the gateway's own origin only (plus `data:` images and fonts, which GraphiQL's stylesheet
embeds); its configuration is an inert JSON block read by `static/gateway.js`. In development it
opens with a demo token in the `Authorization` header and the nested device view as example.
"""

import hashlib
import mimetypes
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from app.auth import token_for_first_user
from app.enums import Role
from app.settings import Environment, Settings

STATIC = Path(__file__).resolve().parent / "static"
EXAMPLE = Path(__file__).resolve().parent / "example.graphql"
ASSETS_PATH = "/graphiql"
EXAMPLE_VARIABLES = '{\n  "first": 10\n}'
# The demo token's tenant and role: the same as `make run` prints.
DEMO_TENANT, DEMO_ROLE = "acme", Role.TENANT_ADMIN

# In the order the page loads them: React, then GraphiQL (which needs it), then the plugin.
STYLESHEETS = (
    "vendor/graphiql@4.1.2/graphiql.min.css",
    "vendor/@graphiql+plugin-explorer@4.0.6/style.css",
    "gateway.css",
)
SCRIPTS = (
    "vendor/react@18.3.1/react.production.min.js",
    "vendor/react-dom@18.3.1/react-dom.production.min.js",
    "vendor/graphiql@4.1.2/graphiql.min.js",
    "vendor/@graphiql+plugin-explorer@4.0.6/index.umd.js",
    "gateway.js",
)
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    media_type: str
    digest: str

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'


@cache
def assets() -> dict[str, Asset]:
    """Every servable file under `static/` (licences and the manifest too), read once."""
    found: dict[str, Asset] = {}
    for path in sorted(STATIC.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(STATIC).as_posix()
        media_type = mimetypes.guess_type(path.name)[0] or "text/plain"
        if media_type.startswith("text/") or media_type.endswith(("javascript", "json")):
            media_type += "; charset=utf-8"
        body = path.read_bytes()
        found[name] = Asset(body, media_type, hashlib.sha256(body).hexdigest()[:16])
    return found


def asset_url(name: str) -> str:
    """The URL of a static file: its content digest in the path, so a year's cache is safe."""
    return f"{ASSETS_PATH}/{assets()[name].digest}/{name}"


def content_security_policy(style_nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            f"style-src 'self' 'nonce-{style_nonce}'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


async def demo_token(settings: Settings, engine: AsyncEngine) -> str | None:
    """A token for the demo tenant's admin, in development only (None elsewhere, or when the
    database has no such user)."""
    if settings.gateway_env is not Environment.DEVELOPMENT:
        return None
    found = await token_for_first_user(engine, settings, DEMO_TENANT, DEMO_ROLE)
    return None if found is None else found[2]


async def page(settings: Settings, engine: AsyncEngine, endpoint: str = "/graphql") -> Response:
    """The GraphiQL page (never cached: it may hold a token)."""
    token = await demo_token(settings, engine)
    nonce = secrets.token_urlsafe(18)
    config = {
        "endpoint": endpoint,
        "query": EXAMPLE.read_text(),
        "variables": EXAMPLE_VARIABLES,
        "headers": orjson.dumps(
            {"Authorization": f"Bearer {token}"}, option=orjson.OPT_INDENT_2
        ).decode()
        if token
        else "",
        "styleNonce": nonce,
    }
    # Inert JSON inside <script>: `<`, `>` and `&` escaped so no text can close the element.
    inert = (
        orjson.dumps(config)
        .decode()
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    links = "\n".join(f'    <link rel="stylesheet" href="{asset_url(n)}">' for n in STYLESHEETS)
    scripts = "\n".join(f'    <script src="{asset_url(n)}"></script>' for n in SCRIPTS)
    html = f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Fleet gateway · GraphiQL</title>
    <link rel="icon" href="data:,">
{links}
    <script type="application/json" id="graphiql-config">{inert}</script>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
{scripts}
  </body>
</html>
"""
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": content_security_policy(nonce),
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def serve_asset(request: Request) -> Response:
    """`/graphiql/{digest}/{name}`: a static file, cached for a year (its digest changes with
    its content); an unknown name or a stale digest is 404."""
    name = request.path_params["name"]
    asset = assets().get(name)
    if asset is None or request.path_params["digest"] != asset.digest:
        return Response("Not Found", status_code=404, media_type="text/plain")
    headers = {
        "Cache-Control": IMMUTABLE,
        "ETag": asset.etag,
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)
