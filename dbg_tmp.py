import kl_derive
d = kl_derive.divergence("chi-square", "beta", "beta(c, d)")
t = d.to_latex("en", standalone=True)
print([l[:200] for l in t.splitlines() if "cases" in l])
