"""What the synthetic companies of the expense benchmark (scripts/expenses-company-*.py)
share: the claims file's columns and writer, the policy file's writer, a random working
day, and the command line. Each company's habits and anomalies stay in its own script.
"""
import argparse, csv, datetime as dt, os

COLUMNS = ["claim_id", "employee_id", "department", "category", "merchant", "amount", "currency",
           "expense_date", "submitted_at", "description", "invoice_no", "attendees"]


def write_claims(path, rows, label):
    """A claims CSV (INTERFACES.md §2); with `label`, the column saying what each claim is."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS + (["label"] if label else []), extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def write_policy(path, limits, per_head, manager_threshold=None, late_days=None, round_min=None,
                 weekend_ok=None, fx=None):
    """The company's policy file (docs/EXPENSES.md); keys left None are not written."""
    with open(path, "w") as f:
        if manager_threshold is not None:
            f.write(f"manager_threshold = {manager_threshold}\n")
        if late_days is not None:
            f.write(f"late_submission_days = {late_days}\n")
        if round_min is not None:
            f.write(f"round_amount_min = {round_min}\n")
        if weekend_ok is not None:
            f.write("weekend_ok_categories = [" + ", ".join(f'"{c}"' for c in weekend_ok) + "]\n")
        f.write("[limits]\n" + "".join(f"{k} = {v}\n" for k, v in limits.items()))
        f.write("[per_attendee_limits]\n" + "".join(f"{k} = {v}\n" for k, v in per_head.items()))
        if fx is not None:
            f.write("[fx_to_hkd]\n" + "".join(f"{k} = {v}\n" for k, v in fx.items()))


def workday(rng, lo, hi, holidays):
    """A random Monday-to-Friday in [lo, hi) that is not a holiday."""
    while True:
        d = lo + dt.timedelta(days=rng.randrange((hi - lo).days))
        if d.weekday() < 5 and d not in holidays:
            return d


def main(default_seed, default_employees, generate, policy):
    """The command line every company shares: `--out-dir DIR [--seed N] [--employees N]
    [--per-kind N]`. `generate(seed, employees, per_kind)` returns (history, new) with
    `label` on the new claims; `policy(path)` writes the policy file."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--seed", type=int, default=default_seed)
    ap.add_argument("--employees", type=int, default=default_employees)
    ap.add_argument("--per-kind", type=int, default=12)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    history, new = generate(a.seed, a.employees, a.per_kind)
    new.sort(key=lambda c: (c["submitted_at"], c["claim_id"]))
    write_claims(os.path.join(a.out_dir, "history.csv"), history, False)
    write_claims(os.path.join(a.out_dir, "new.csv"), new, True)
    policy(os.path.join(a.out_dir, "policy.toml"))
    labelled = sum(1 for c in new if c["label"] != "normal")
    print(f"{len(history)} history claims; {len(new)} new claims, {labelled} labelled anomalies -> {a.out_dir}")
