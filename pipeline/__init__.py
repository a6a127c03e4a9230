"""sistercity: evidence on why sister-city cooperation stalls, mined from its paperwork."""

__version__ = "0.1.0"
