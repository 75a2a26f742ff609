"""The input streams of River's documented detector examples, from Python's own random module
(Mersenne Twister, stable across Python 3 versions), so the port is checked against River's
documented outputs without River installed. Prints JSON: {name: [values]}."""
import json
import random

rng = random.Random(42)
ddm = rng.choices([0, 1], k=1000)
ddm = ddm + rng.choices([0, 1], k=1000, weights=[0.3, 0.7])

rng = random.Random(12345)
two = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)

print(json.dumps({"ddm": ddm, "adwin": two, "page_hinkley": two}))
