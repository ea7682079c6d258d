"""`python -m toolchain.sbf`: build the toolchain's own parts (bootstrap step)."""

from toolchain.sbf import tools

print(f"sbf: pass plugin {tools.build_plugin()}")
print(f"sbf: runtime {tools.runtime_bitcode()}")
