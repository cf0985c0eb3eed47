/* keyring.h - the runtime homes of a pipeline: built at load from its
 * <keyring> definitions, one per distinct set of keyrings that steps
 * use, holding exactly those keys with their secret keys unprotected,
 * and one empty home shared by the steps without keyrings; removed
 * (agents stopped) when the pipeline is released.  */
#ifndef PGPSTEP_KEYRING_H
#define PGPSTEP_KEYRING_H

#include <pthread.h>
#include <sys/types.h>
#include "descriptor.h"

/* A copy of a runtime home for messages running in parallel: one
 * gpg-agent does the private-key work of its home one operation at a
 * time, so concurrent messages get homes (and agents) of their own.  */
struct home_copy
{
  struct home_copy *next;
  char *dir;                    /* NULL while being made.  */
  pid_t agent_pid;
  unsigned int users;           /* Messages running in it now.  */
};

/* One runtime home.  */
struct runtime_home
{
  struct runtime_home *next;
  char *dir;                    /* NULL until created on disk.  */
  unsigned char *members;       /* Per keyring of the pipeline: 1 if the
                                   home holds it.  */
  pid_t agent_pid;              /* 0 while no agent is known.  */

  /* The pool: DIR itself and its copies, each with its user count.
   * Under LOCK.  */
  pthread_mutex_t lock;
  unsigned int users;
  struct home_copy *copies;
  unsigned int ncopies;
};

/* What a keyring became in the homes.  */
struct keyring_keys
{
  char *name;
  struct runtime_home *origin;  /* The home it was imported into first. */
  char **fprs;                  /* Its primary key fingerprints.  */
  unsigned int nfprs;
  char **grips;                 /* Keygrips of its secret (sub)keys.  */
  unsigned int ngrips;
};

struct keyring_homes
{
  struct runtime_home *list;
  struct keyring_keys *keyrings;  /* Parallel to the pipeline's.  */
  unsigned int nkeyrings;
};

/* Build the homes of PL (after descriptor_parse, before the steps'
 * create) and point each step's config at its home.  On error
 * *R_MESSAGE names the keyring and the file or key; nothing is left
 * on disk.  */
gpg_error_t keyring_build (struct pgpstep_pipeline *pl, char **r_message);

/* Stop the agents and remove the homes.  */
void keyring_release (struct keyring_homes *homes);

/* The home of step CFG for create: its keyrings' home, or the empty
 * home for a step without keyrings (GPG_ERR_NO_DATA: the pipeline's
 * homes are not built).  */
gpg_error_t keyring_config_home (struct pgpstep_config *cfg,
                                 const char **r_dir);

/* The home a message of step CFG runs in: the least used of the
 * step's home and its copies, a new copy when all are in use and the
 * pool may still grow (up to the number of processors, at least 2).
 * *R_SLOT identifies it for keyring_message_home_done (NULL: the home
 * itself).  */
gpg_error_t keyring_message_home (struct pgpstep_config *cfg,
                                  struct home_copy **r_slot,
                                  const char **r_dir);

/* The message that got SLOT from keyring_message_home is done.  */
void keyring_message_home_done (struct pgpstep_config *cfg,
                                struct home_copy *slot);

/* Remove the homes that crashed processes left under the runtime
 * directory of CTX (stopping their agents).  keyring_build calls it
 * once per host, before its first home.  */
void keyring_sweep (struct pgpstep_ctx *ctx);

/* Load the descriptor FILE (pipeline.c); with CREATE 0 only up to its
 * runtime homes (the steps are not created: for key listings only).  */
gpg_error_t pipeline_load_file (struct pgpstep_ctx *ctx, const char *file,
                                int create, struct pgpstep_pipeline **r_pl,
                                char **r_message);

#endif /*PGPSTEP_KEYRING_H*/
