/* procfs.h - read a small /proc file.  */
#ifndef PGPSTEP_PROCFS_H
#define PGPSTEP_PROCFS_H

#include <sys/types.h>

ssize_t procfs_read (const char *path, char *buf, size_t size);

#endif /* PGPSTEP_PROCFS_H */
