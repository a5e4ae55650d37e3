#!/usr/bin/env python3
"""Appends COMMITS commits to the `main` branch of a repository made by
generate.py (with its first commit), through `git fast-import`: features
moving through their stages, sign-offs given, changed and revoked, waivers
granted and removed, debt opened and resolved, other files edited, and a
side branch merged every 100 commits. Dates advance six hours a commit.
Deterministic for a given repository and COMMITS.

    bench/history.py REPO FEATURES COMMITS
"""
import os
import random
import subprocess
import sys

root, features, commits = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(7)
stages = ["concept", "design", "review", "cleared", "launched"]
people = {
    "safety-researcher": "ana@example.com",
    "policy-analyst": "lee@example.com",
    "legal-counsel": "dana@example.com",
    "srb": "chair@example.com",
}


def manifest_path(i):
    return f"features/team-{i % 40:02d}/feature-{i:05d}/feature.toml"


contents = {}


def manifest(i):
    path = manifest_path(i)
    if path not in contents:
        with open(os.path.join(root, path)) as f:
            contents[path] = f.read()
    return contents[path]


head = subprocess.run(["git", "-C", root, "rev-parse", "main"], capture_output=True,
                      text=True, check=True).stdout.strip()
out = []


def blob(text):
    data = text.encode()
    return b"data %d\n" % len(data) + data + b"\n"


def commit(ref, mark, email, when, message, ops, parent=None, merge=None):
    out.append(f"commit {ref}\nmark :{mark}\n".encode())
    out.append(f"author {email.split('@')[0]} <{email}> {when} +0000\n".encode())
    out.append(f"committer {email.split('@')[0]} <{email}> {when} +0000\n".encode())
    out.append(blob(message))
    if parent:
        out.append(f"from {parent}\n".encode())
    if merge:
        out.append(f"merge {merge}\n".encode())
    for op in ops:
        if op[0] == "M":
            out.append(f"M 100644 inline {op[1]}\n".encode() + blob(op[2]))
        else:
            out.append(f"D {op[1]}\n".encode())


when = 1767268800  # 2026-01-01T12:00:00Z
stage_of = {}
signed = {}
waivers = set()
debts = {}
parent = head
for n in range(1, commits + 1):
    when += 6 * 3600
    i = rng.randrange(features)
    path = manifest_path(i)
    fdir = path.rsplit("/", 1)[0]
    kind = rng.random()
    ops = []
    email = f"pm{i % 97}@example.com"
    if kind < 0.35:
        text = manifest(i)
        current = next(l for l in text.splitlines() if l.startswith("stage = "))
        stage = stage_of.get(i, current.split('"')[1])
        nxt = stages[min(stages.index(stage) + 1, len(stages) - 1)] if stage in stages else "design"
        stage_of[i] = nxt
        contents[path] = text.replace(current, f'stage = "{nxt}"')
        ops.append(("M", path, contents[path]))
        message = f"feature-{i:05d}: {nxt}"
    elif kind < 0.6:
        role = rng.choice(list(people))
        email = people[role]
        decision = rng.choice(["go", "go", "go", "no-go"])
        sp = f"{fdir}/signoffs/{role}.toml"
        if (i, role) in signed and rng.random() < 0.3:
            ops.append(("D", sp))
            del signed[(i, role)]
            message = f"{role}: revoke feature-{i:05d}"
        else:
            signed[(i, role)] = decision
            ops.append(("M", sp, f'subject = "feature:feature-{i:05d}"\nrole = "{role}"\n'
                                 f'signer = "{email}"\ndecision = "{decision}"\ndate = 2026-11-20\n'
                                 f'digest = "sha256:{n:064x}"\npolicy = "launch-gate@1.0.0"\n'))
            message = f"{role}: {decision} feature-{i:05d}"
    elif kind < 0.7:
        wp = f"waivers/feature-{i:05d}-MON001.toml"
        email = "chair@example.com"
        if wp in waivers:
            ops.append(("D", wp))
            waivers.discard(wp)
        else:
            waivers.add(wp)
            ops.append(("M", wp, f'rule = "MON001"\nfeature = "feature-{i:05d}"\nreason = "bench"\n'
                                 f'approved_by = "srb"\nexpires = 2026-{rng.randint(1, 12):02d}-28\n'))
        message = f"waiver for feature-{i:05d}"
    elif kind < 0.75:
        dp = f"debt/feature-{i:05d}.toml"
        text = f'feature = "feature-{i:05d}"\ntitle = "t"\nowner = "{email}"\ndue = 2026-12-01\nseverity = "high"\n'
        if dp in debts:
            text += "resolved = 2026-11-01\n"
        debts[dp] = True
        ops.append(("M", dp, text))
        message = f"debt for feature-{i:05d}"
    else:
        k = rng.randrange(1000)
        ops.append(("M", f"src/mod{k % 100:03d}/file{k:06d}.txt", f"other file {k} v{n}\n"))
        message = f"edit {k}"
    if n % 100 == 0:
        # The commit goes to a side branch that main merges right away.
        commit("refs/heads/side", n, email, when, message, ops, parent=parent)
        when += 3600
        commit("refs/heads/main", 10_000_000 + n, "pm0@example.com", when, "merge side", [],
               parent=parent, merge=f":{n}")
        parent = f":{10_000_000 + n}"
    else:
        commit("refs/heads/main", n, email, when, message, ops, parent=parent)
        parent = f":{n}"

subprocess.run(["git", "-C", root, "fast-import", "--quiet", "--force"], input=b"".join(out),
               check=True)
