#!/usr/bin/env python3
"""Checks a catalog draft's text against its seed like the project's fidelity test does:
every item/bundle name, material name (or each any_of option), note, basis, tip,
time_limit_text and steps (joined with —) must be found in the seed once spaces and
punctuation variants are folded. Usage: check_words.py DRAFT.toml SEED.txt"""
import sys, tomllib
def fold(s):
    out=[]
    for c in s:
        if c.isspace() or c in '“”"\'‘’': continue
        out.append({'（':'(', '）':')', '，':',', '；':';', '：':':', '。':'.', '、':',', '〔':'[', '［':'[', '〕':']', '］':']'}.get(c,c))
    return ''.join(out)
d=tomllib.load(open(sys.argv[1],'rb')); seed=fold(open(sys.argv[2]).read())
bad=[]
def chk(code,what,s):
    if s and fold(s) not in seed: bad.append(f"{code} {what}: {s}")
for m in d.get('mains',[]): chk(m['code'],'main',m['name'])
for it in d.get('items',[])+d.get('bundles',[]):
    c=it['code']; chk(c,'name',it['name'])
    chk(c,'time_limit_text',it.get('time_limit_text'))
    for n in it.get('notes',[])+it.get('basis',[])+it.get('tips',[]): chk(c,'note/basis/tip',n)
    for m in it.get('materials',[]):
        if m.get('any_of'):
            for o in m['any_of']: chk(c,'option',o)
        else: chk(c,'material',m.get('name'))
print("\n".join(bad) if bad else "all text found in the seed")
