# compile=true's warm-up generates C++ code for minutes on a CPU (README, "Compilation"): timed runs only
COMPILE_SKIP = "the compiled supernet runs only with --benchmark-enable (its warm-up compiles for minutes on a CPU)"
