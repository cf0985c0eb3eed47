/* cli-info.c - placeholder */
