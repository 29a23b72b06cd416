"""Region profiles: the attributes of a place that decide which targets apply to it."""

from ecozone.regions.profile import (
    CITY_SIZES,
    FLAGS,
    LEVELS,
    PROFILE_COLUMNS,
    TERRAINS,
    ZONES,
)

__all__ = ["CITY_SIZES", "FLAGS", "LEVELS", "PROFILE_COLUMNS", "TERRAINS", "ZONES"]
