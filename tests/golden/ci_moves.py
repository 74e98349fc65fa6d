#!/usr/bin/env python3
# Usage: ci_moves.py OLD_EXPECTED NEW_EXPECTED. For a change of draw order (issue 15): every golden
# figure that moves must move within its confidence interval; the commit quotes what this prints.
"""Pairs an old and a new golden file line by line and, for every figure printed with its 95% CI
("24.1ms ±13.3ms", "15.1/s ±1.91"), counts it within when |old - new| is at most the larger of the
two half-widths, and lists the others. Figures printed without a CI are not judged here."""
import re, sys
UNIT = {'ns':1e-9,'us':1e-6,'µs':1e-6,'ms':1e-3,'s':1,'/s':1,'%':1,'':1}
TOK = re.compile(r'(-?[0-9][0-9.,]*)(k|M)?(ns|us|µs|ms|s|/s|%)?\s*±\s*([0-9][0-9.,]*)(k|M)?(ns|us|µs|ms|s|/s|%)?')
def val(num, mult, unit):
    x = float(num.replace(',', ''))
    x *= {'k':1e3,'M':1e6,None:1}[mult]
    return x * UNIT.get(unit or '', 1)
def figures(line):
    out = []
    for m in TOK.finditer(line):
        v = val(m.group(1), m.group(2), m.group(3))
        ci = val(m.group(4), m.group(5), m.group(6) or m.group(3))
        out.append((m.group(0), v, ci))
    return out
old = open(sys.argv[1]).read().splitlines()
new = open(sys.argv[2]).read().splitlines()
n = inside = 0
bad = []
for lo, ln in zip(old, new):
    fo, fn = figures(lo), figures(ln)
    if len(fo) != len(fn): continue
    for (to, vo, co), (tn, vn, cn) in zip(fo, fn):
        if to == tn: continue
        n += 1
        if abs(vo - vn) <= max(co, cn) + 1e-12:
            inside += 1
        else:
            bad.append(f"  {to} -> {tn}   ({lo.strip()[:60]})")
print(f"{sys.argv[2]}: {n} figures with a CI moved, {inside} within the CI, {len(bad)} outside")
for b in bad: print(b)
