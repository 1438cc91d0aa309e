"""Probes of the out-of-box breadth settings (docs/platform.md §12, §13).

Registered with no function until the mock has these settings: the report
then says the mock has no such setting instead of probing.
"""

from __future__ import annotations

from .registry import ProbeSpec, add

for _setting, _summary in (
        ("system_time_zone", "Read glide.sys.default.tz; if empty, the offset of an incident's display value"),
        ("strict_custom_sys_id", "POST an incident with sys_id AAAABBBBCCCCDDDDEEEEFFFF00001111; kept → false"),
        ("attachment_location_keeps_version", "Upload to /api/now/v1/attachment/file; Location keeps /v1/ → true"),
        ("request_line_limit", "GET /api/now/table/<n × A>/x, bisecting n between 8 000 and 24 000"),
        ("request_line_refusal", "The first refused reply of the request_line_limit bisection")):
    add(ProbeSpec(_setting, None, _summary))
