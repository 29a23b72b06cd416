"""Files sent to the browser as downloads: the name in the header as Chinese users save it (RFC 5987), and a file
written into a temporary folder removed once it has been sent."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

__all__ = ["attachment", "sent_and_removed"]


def attachment(name: str) -> dict[str, str]:
    """The headers that make a response a download saved under ``name``."""
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


def sent_and_removed(path: Path, folder: Path | str, media_type: str | None = None) -> FileResponse:
    """``path`` as a download; ``folder`` (holding it) is removed after the response is sent."""
    return FileResponse(path, media_type=media_type, headers=attachment(path.name),
                        background=BackgroundTask(shutil.rmtree, folder, True))
