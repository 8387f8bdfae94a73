"""Cross-check of src/study/sensitivity.rs against SALib (pip install SALib).

How to run: have a throwaway Rust test write, for each case NAME, the design
points with the model output as last column to /tmp/sens/NAME.csv (one row per
design point, in design order), and our indices to /tmp/sens/rust_indices.csv
(rows `NAME,first,first_lo,first_hi,total,total_lo,total_hi` for Sobol cases,
`NAME,mu,mu_star,sigma,mu_star_lo,mu_star_hi` for Morris cases, one row per
factor); then `python3 docs/salib_check.py`. It runs SALib's sobol.analyze
(calc_second_order=False) and morris.analyze on the very same points and
outputs and prints the largest absolute difference of each index. SALib's
confidence values are normal-approximation half-widths of a bootstrap, ours are
percentile intervals, so only their sizes are comparable (we print ours as
half the interval width).
"""

import csv
import numpy as np
from SALib.analyze import morris, sobol

DIR = "/tmp/sens"
LEVELS = 4  # the Morris designs' grid levels

ours = {}
with open(f"{DIR}/rust_indices.csv") as f:
    for row in csv.reader(f):
        ours.setdefault(row[0], []).append([float(v) for v in row[1:]])

for name, rows in ours.items():
    data = np.loadtxt(f"{DIR}/{name}.csv", delimiter=",")
    x, y = data[:, :-1], data[:, -1]
    k = x.shape[1]
    problem = {"num_vars": k, "names": [f"x{i}" for i in range(k)], "bounds": [[0, 1]] * k}
    r = np.array(rows)
    if name.endswith("sobol"):
        # Ours: A, B, AB_1..AB_k per base row; SALib: A, AB_1..AB_k, B.
        order = [0] + list(range(2, k + 2)) + [1]
        y_salib = y.reshape(-1, k + 2)[:, order].ravel()
        s = sobol.analyze(problem, y_salib, calc_second_order=False, num_resamples=1000, seed=1)
        print(f"{name}: max |dS1| = {np.abs(s['S1'] - r[:, 0]).max():.2e}, "
              f"max |dST| = {np.abs(s['ST'] - r[:, 3]).max():.2e}")
        print(f"  CI half-widths S1 SALib {np.round(s['S1_conf'], 4)} ours {np.round((r[:, 2] - r[:, 1]) / 2, 4)}")
        print(f"  CI half-widths ST SALib {np.round(s['ST_conf'], 4)} ours {np.round((r[:, 5] - r[:, 4]) / 2, 4)}")
    else:
        m = morris.analyze(problem, x, y, num_resamples=1000, num_levels=LEVELS, seed=1)
        print(f"{name}: max |dmu| = {np.abs(m['mu'] - r[:, 0]).max():.2e}, "
              f"max |dmu*| = {np.abs(m['mu_star'] - r[:, 1]).max():.2e}, "
              f"max |dsigma| = {np.abs(m['sigma'] - r[:, 2]).max():.2e}")
        print(f"  CI half-widths mu* SALib {np.round(m['mu_star_conf'], 4)} ours {np.round((r[:, 4] - r[:, 3]) / 2, 4)}")
