/* cli.h - placeholder */
