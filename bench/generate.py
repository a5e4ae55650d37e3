#!/usr/bin/env python3
"""Generates a synthetic repository for the benchmark: N feature manifests at
mixed stages (a tenth with sign-off files), the default policy pack, three
playbooks, and optionally M other files. Deterministic for a given N and M."""
import os
import random
import shutil
import sys

root, count = sys.argv[1], int(sys.argv[2])
others = int(sys.argv[3]) if len(sys.argv) > 3 else 0
here = os.path.dirname(os.path.abspath(__file__))
project = os.path.dirname(here)
rng = random.Random(42)

if os.path.exists(root):
    shutil.rmtree(root)
os.makedirs(root)
shutil.copy(os.path.join(project, "fixtures/example/policy.toml"), root)
shutil.copytree(os.path.join(project, "policies"), os.path.join(root, "policies"))
shutil.copytree(os.path.join(project, "fixtures/example/playbooks"), os.path.join(root, "playbooks"))

# Mostly clean, like a real repository: features before clearance, every
# metric on target; one in a hundred carries a violation.
stages = ["concept", "design", "review"]
tiers = ["low", "medium", "high", "critical"]
harms = ["violence", "self-harm", "malware", "cyber", "privacy", "bio"]
for i in range(count):
    fid = f"feature-{i:05d}"
    team = f"team-{i % 40:02d}"
    d = os.path.join(root, "features", team, fid)
    os.makedirs(d)
    stage = rng.choice(stages)
    tier = rng.choice(tiers)
    cats = rng.sample(harms, rng.randint(0, 2))
    with open(os.path.join(d, "feature.toml"), "w") as f:
        f.write(f'''id = "{fid}"
title = "Synthetic feature {i}"
owner = "pm{i % 97}@example.com"
stage = "{stage}"
risk_tier = "{tier}"
harm_categories = [{", ".join(f'"{c}"' for c in cats)}]
playbooks = ["red-team@3", "file-handling@2", "privacy-review@1"]

[hypothesis]
statement = "Cut harmful completions by {rng.randint(10, 60)}% without hurting helpfulness"

[metrics.harmlessness_rate]
baseline = 0.62
measured = {rng.uniform(0.86, 0.99) if i % 100 else 0.5:.3f}
target = 0.85

[metrics.helpfulness]
baseline = 7.9
measured = {rng.uniform(6.5, 8.0):.2f}
max_drop = 2.0

[risk]
evasion_potential = {rng.randint(1, 5)}
systemic_amplification = {rng.randint(1, 5)}
residual = "low"
mitigations = ["sandboxed parsing", "output filtering"]

[monitoring]
toxicity = {{ max = 0.02 }}
hallucination_rate = {{ max = 0.05 }}
''')
    if i % 10 == 0:
        s = os.path.join(d, "signoffs")
        os.makedirs(s)
        with open(os.path.join(s, "legal-counsel.toml"), "w") as f:
            f.write(f'''subject = "feature:{fid}"
role = "legal-counsel"
signer = "dana@example.com"
decision = "go"
date = 2026-11-20
digest = "sha256:{i:064x}"
policy = "launch-gate@1.0.0"
''')
for i in range(others):
    d = os.path.join(root, "src", f"mod{i // 1000:03d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"file{i:06d}.txt"), "w") as f:
        f.write(f"other file {i}\n")
