"""Rust -> SBF: build no_std program crates into Solana-loadable shared objects.

See README.md in this folder and ../../../shared/design/sbf-toolchain.md.
"""

from toolchain.sbf.build import (BuildResult, ProgramBuild, build_crate, build_program,
                                 build_programs)

__all__ = ["BuildResult", "ProgramBuild", "build_crate", "build_program", "build_programs"]
