"""GraphQL types of devices: what trackers told about the devices a profile was seen on (plain
facts, nothing personal, so every reader sees them)."""

from __future__ import annotations

from collections.abc import Mapping

import strawberry

from app.domain.devices import Fact
from app.ports.devices import DeviceRow


def _text(facts: Mapping[str, Fact], name: str) -> str | None:
    value = facts.get(name)
    return value if isinstance(value, str) else None


def _number(facts: Mapping[str, Fact], name: str) -> float | None:
    value = facts.get(name)
    return float(value) if isinstance(value, int | float) else None


@strawberry.type(description="The operating system, as stated (context.os) or parsed.")
class DeviceOs:
    name: str | None
    version: str | None


@strawberry.type(description="The app that sent the events (context.app).")
class DeviceApp:
    name: str | None
    version: str | None
    build: str | None
    namespace: str | None


@strawberry.type(description="The web browser, parsed from the user agent (never kept).")
class DeviceBrowser:
    name: str | None
    version: str | None


@strawberry.type(description="The screen (context.screen), in pixels.")
class DeviceScreen:
    width: int | None
    height: int | None
    density: float | None


@strawberry.type(
    description="A device the profile's identifiers were seen on: a phone or tablet named by "
    "its device id, or a web browser named by its anonymous id. Facts only, never its name."
)
class Device:
    kind: str = strawberry.field(description="'device' (a device id) or 'browser'")
    type: str | None = strawberry.field(description="context.device.type, e.g. ios, android")
    manufacturer: str | None
    model: str | None
    family: str | None = strawberry.field(description="The device family the user agent names")
    os: DeviceOs | None
    app: DeviceApp | None
    browser: DeviceBrowser | None
    screen: DeviceScreen | None
    first_seen: float = strawberry.field(description="Epoch seconds (UTC)")
    last_seen: float = strawberry.field(description="Epoch seconds (UTC)")
    events: int = strawberry.field(description="Events that came from it")
    profiles: int = strawberry.field(
        description="Profiles whose identifiers were seen on it: more than one is a shared "
        "device (a family tablet)"
    )

    @classmethod
    def from_row(cls, row: DeviceRow) -> Device:
        f = row.facts
        os = DeviceOs(name=_text(f, "os_name"), version=_text(f, "os_version"))
        app = DeviceApp(
            name=_text(f, "app_name"),
            version=_text(f, "app_version"),
            build=_text(f, "app_build"),
            namespace=_text(f, "app_namespace"),
        )
        browser = DeviceBrowser(name=_text(f, "browser_name"), version=_text(f, "browser_version"))
        width, height = _number(f, "screen_width"), _number(f, "screen_height")
        screen = DeviceScreen(
            width=int(width) if width is not None else None,
            height=int(height) if height is not None else None,
            density=_number(f, "screen_density"),
        )
        return cls(
            kind=row.kind,
            type=_text(f, "type"),
            manufacturer=_text(f, "manufacturer"),
            model=_text(f, "model"),
            family=_text(f, "family"),
            os=os if os.name or os.version else None,
            app=app if any((app.name, app.version, app.build, app.namespace)) else None,
            browser=browser if browser.name or browser.version else None,
            screen=screen if any(v is not None for v in vars(screen).values()) else None,
            first_seen=row.first_seen,
            last_seen=row.last_seen,
            events=row.events,
            profiles=row.profiles,
        )
