/* loader.h - loading step modules with dlopen.  */
#ifndef PGPSTEP_LOADER_H
#define PGPSTEP_LOADER_H

#include <sys/types.h>
#include "ctx.h"

struct loaded_module
{
  struct loaded_module *next;
  char *file;                   /* Absolute path, or "builtin:NAME".  */
  void *dlhandle;               /* NULL for built-in modules.  */
  const struct pgpstep_module *module;
};

/* Check that FILE may be loaded: absolute path, not a symlink, a
 * regular file, owned by root or by UID, and neither it nor any
 * directory above it writable by group or others (root-owned sticky
 * directories excepted).  On refusal returns GPG_ERR_CONFIGURATION
 * (GPG_ERR_ENOENT if FILE does not exist) and a malloced reason in
 * R_REASON naming the path at fault and what was found vs expected.  */
gpg_error_t loader_check_path (const char *file, uid_t uid, char **r_reason);

/* Check a module description against the host's ABI and the steps
 * already registered in CTX: ABI major equal, minor not newer,
 * struct_size of module/steps/params large enough, names present,
 * no duplicate step type.  R_REASON as above.  */
gpg_error_t loader_check_module (struct pgpstep_ctx *ctx,
                                 const struct pgpstep_module *module,
                                 char **r_reason);

/* Load one module FILE (checks path, dlopen RTLD_NOW|RTLD_LOCAL,
 * resolves pgpstep_module_init, calls it, checks the module).  */
gpg_error_t loader_load_file (struct pgpstep_ctx *ctx, const char *file,
                              char **r_reason);

/* Load every "*.so" in each directory of the colon-separated PATH, in
 * name order.  Every refusal is logged; the first is returned in
 * R_MESSAGE.  Relative directories are refused.  */
gpg_error_t loader_load_path (struct pgpstep_ctx *ctx, const char *path,
                              char **r_message);

/* Register a module that is linked into the program (tests, built-in
 * steps), after the same module checks.  NAME is used as the file.  */
gpg_error_t loader_register_static (struct pgpstep_ctx *ctx,
                                    const char *name,
                                    pgpstep_module_init_t init,
                                    char **r_reason);

/* Find the step of TYPE; NULL if unknown.  */
const struct pgpstep_step *loader_find_step
  (struct pgpstep_ctx *ctx, const char *type,
   const struct loaded_module **r_module);

/* Unload everything (dlclose).  Only when no pipeline is alive.  */
void loader_release_all (struct pgpstep_ctx *ctx);

#endif /*PGPSTEP_LOADER_H*/
