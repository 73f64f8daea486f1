#!/usr/bin/python3
"""prom_parse.py FILE: parses Prometheus text with the reference parser
(python3-prometheus-client) and prints one sample a line:

    TYPE<TAB>NAME<TAB>LABELS<TAB>VALUE

LABELS as k=v,k=v sorted by key ("-" for none).  Exits 1, saying why, if
the parser refuses the text, or the text breaks the naming rules fdclose
keeps: one fdclose_ prefix, a HELP for every family, _total only on
counters and every counter ending in it, no pid or port label."""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    bad = []
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser's own words are the diagnosis
        print(f"prom_parse: the parser refuses the text: {e!r}", file=sys.stderr)
        return 1
    for fam in families:
        if not fam.name.startswith("fdclose_"):
            bad.append(f"{fam.name}: not prefixed fdclose_")
        if not fam.documentation:
            bad.append(f"{fam.name}: no HELP")
        if fam.type not in ("gauge", "counter"):
            bad.append(f"{fam.name}: type {fam.type}")
        for s in fam.samples:
            if s.name.endswith("_total") != (fam.type == "counter"):
                bad.append(f"{s.name}: a {fam.type} {'with' if s.name.endswith('_total') else 'without'} _total")
            for k in s.labels:
                if k in ("pid", "port", "fd", "local", "remote"):
                    bad.append(f"{s.name}: label {k} explodes cardinality")
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())) or "-"
            value = int(s.value) if s.value == int(s.value) else s.value
            print(fam.type, s.name, labels, value, sep="\t")
    for b in bad:
        print(f"prom_parse: {b}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
