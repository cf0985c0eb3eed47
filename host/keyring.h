/* keyring.h - the runtime homes of a pipeline: built at load from its
 * <keyring> definitions, one per distinct set of keyrings that steps
 * use, holding exactly those keys with their secret keys unprotected,
 * and one empty home shared by the steps without keyrings; removed
 * (agents stopped) when the pipeline is released.  */
#ifndef PGPSTEP_KEYRING_H
#define PGPSTEP_KEYRING_H

#include <sys/types.h>
#include "descriptor.h"

/* One runtime home.  */
struct runtime_home
{
  struct runtime_home *next;
  char *dir;                    /* NULL until created on disk.  */
  unsigned char *members;       /* Per keyring of the pipeline: 1 if the
                                   home holds it.  */
  pid_t agent_pid;              /* 0 while no agent is known.  */
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

/* The home a message of step CFG runs in.  One per step for now; a
 * pool of copies for parallel workers would be picked here.  */
gpg_error_t keyring_message_home (struct pgpstep_config *cfg,
                                  const char **r_dir);

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
