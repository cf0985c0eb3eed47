/* cli-run.c - placeholder */
