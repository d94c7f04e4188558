"""Built-in parsers for traffic/consumption exports (pure Python, no Django).

``PARSERS[name](source, filename=..., **options)`` returns an iterator of :class:`UsageSample`;
malformed input raises :class:`UsageFormatError` while iterating::

    from hostkontor.usage.parsers import PARSERS
    with open("kunde42-sw1-gi0-12.log", "rb") as fh:
        samples = list(PARSERS["mrtg"](fh))

==========  ===============================================  ==================================
name        input                                            samples
==========  ===============================================  ==================================
vnstat      ``vnstat --json d|f|h|m|y`` (jsonversion 2)      traffic_bytes_in/out per bucket
mrtg        MRTG-2 ``.log``                                  traffic_bytes_in/out per row
rrd         ``rrdtool xport`` XML or ``--json`` (detected)   traffic_bps_in/out per step
apache      ``vhost_combined`` access log                    http_bytes_out per vhost, UTC day
==========  ===============================================  ==================================
"""

from .apache import parse_apache
from .base import Metric, UsageFormatError, UsageSample, make_unique_key
from .mrtg import parse_mrtg
from .rrd import parse_rrd, parse_rrd_json, parse_rrd_xml
from .vnstat import parse_vnstat

__all__ = [
    "PARSERS",
    "Metric",
    "UsageFormatError",
    "UsageSample",
    "make_unique_key",
    "parse_apache",
    "parse_mrtg",
    "parse_rrd",
    "parse_rrd_json",
    "parse_rrd_xml",
    "parse_vnstat",
]

PARSERS = {
    "vnstat": parse_vnstat,
    "mrtg": parse_mrtg,
    "rrd": parse_rrd,
    "apache": parse_apache,
}
