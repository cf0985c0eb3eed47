/* message.c - placeholder */
