/* loader.c - loading step modules with dlopen.
 *
 * A module runs with the host's privileges, so it is loaded only when
 * nobody but root and the running user can have put it there, and
 * only after its description passed the ABI checks.  Modules stay
 * loaded until loader_release_all: steps hand out pointers into them.
 */
#include <config.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "plugsig.h"

/* Struct sizes as of ABI 1.0.  A 1.0 module stays valid under a later
 * minor whose structs grew, so sizeof would be too strict.  */
#define SIZE_UPTO(type, member) \
  (offsetof (type, member) + sizeof (((type *) 0)->member))
#define MODULE_SIZE_1_0  SIZE_UPTO (struct pgpstep_module, steps)
#define STEP_SIZE_1_0    SIZE_UPTO (struct pgpstep_step, destroy)
#define PARAM_SIZE_1_0   SIZE_UPTO (struct pgpstep_param, description)


/* Store a formatted reason in *R_REASON and return CODE as an error;
 * ENOMEM (and no reason) if the text cannot be built.  */
static gpg_error_t refuse (char **r_reason, gpg_err_code_t code,
                           const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

static gpg_error_t
refuse (char **r_reason, gpg_err_code_t code, const char *fmt, ...)
{
  va_list ap;
  int rc;

  va_start (ap, fmt);
  rc = vasprintf (r_reason, fmt, ap);
  va_end (ap);
  if (rc < 0)
    {
      *r_reason = NULL;
      return gpg_error_from_syserror ();
    }
  return gpg_error (code);
}


static void
log_refusal (struct pgpstep_ctx *ctx, gpg_error_t err, const char *reason)
{
  host_log (ctx, PGPSTEP_LOG_ERROR, NULL, "%s",
            reason ? reason : gpg_strerror (err));
}


static const char *
file_kind (mode_t mode)
{
  if (S_ISREG (mode))  return "a regular file";
  if (S_ISDIR (mode))  return "a directory";
  if (S_ISLNK (mode))  return "a symbolic link";
  if (S_ISFIFO (mode)) return "a FIFO";
  if (S_ISSOCK (mode)) return "a socket";
  if (S_ISCHR (mode))  return "a character device";
  if (S_ISBLK (mode))  return "a block device";
  return "of unknown type";
}


/* Check the lstat result ST of PATH, the module (IS_DIR false) or a
 * directory above it.  */
static gpg_error_t
check_entry (const char *path, const struct stat *st, uid_t uid, int is_dir,
             char **r_reason)
{
  unsigned int perm = st->st_mode & 07777;

  if (is_dir ? !S_ISDIR (st->st_mode) : !S_ISREG (st->st_mode))
    return refuse (r_reason, GPG_ERR_CONFIGURATION, "%s: is %s, expected %s",
                   path, file_kind (st->st_mode),
                   is_dir ? "a directory" : "a regular file");
  if (st->st_uid && st->st_uid != uid)
    {
      if (!uid)
        return refuse (r_reason, GPG_ERR_CONFIGURATION,
                       "%s: owned by uid %lu, expected root", path,
                       (unsigned long)st->st_uid);
      return refuse (r_reason, GPG_ERR_CONFIGURATION,
                     "%s: owned by uid %lu, expected root or uid %lu", path,
                     (unsigned long)st->st_uid, (unsigned long)uid);
    }
  /* Others may add files to a root-owned sticky directory (/tmp) but
   * cannot rename or remove ours.  */
  if ((perm & (S_IWGRP | S_IWOTH))
      && !(is_dir && !st->st_uid && (perm & S_ISVTX)))
    return refuse (r_reason, GPG_ERR_CONFIGURATION,
                   "%s: writable by %s (mode %04o)", path,
                   (perm & S_IWOTH) ? "others" : "group", perm);
  return 0;
}


gpg_error_t
loader_check_path (const char *file, uid_t uid, char **r_reason)
{
  gpg_error_t err;
  struct stat st;
  char *dir = NULL;
  char *slash;
  int e;

  *r_reason = NULL;
  if (*file != '/')
    return refuse (r_reason, GPG_ERR_CONFIGURATION,
                   "%s: relative path, expected an absolute path", file);
  if (lstat (file, &st))
    {
      e = errno;
      return refuse (r_reason,
                     e == ENOENT ? GPG_ERR_ENOENT : GPG_ERR_CONFIGURATION,
                     "%s: %s", file, strerror (e));
    }
  err = check_entry (file, &st, uid, 0, r_reason);
  if (err)
    goto leave;

  /* Whoever can write a directory on the way can swap the module.
   * lstat also refuses symlinked directories, so the chain checked
   * is the one dlopen walks.  */
  dir = strdup (file);
  if (!dir)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  do
    {
      slash = strrchr (dir, '/');
      slash[slash == dir] = 0;  /* "/a/b" -> "/a", "/a" -> "/".  */
      if (lstat (dir, &st))
        {
          e = errno;
          err = refuse (r_reason, GPG_ERR_CONFIGURATION, "%s: %s",
                        dir, strerror (e));
          goto leave;
        }
      err = check_entry (dir, &st, uid, 1, r_reason);
      if (err)
        goto leave;
    }
  while (dir[1]);

 leave:
  free (dir);
  return err;
}


/* Check one step of a module; IDX counts from 1 for the reason.  */
static gpg_error_t
check_step (const struct pgpstep_step *step, unsigned int idx,
            char **r_reason)
{
  const struct pgpstep_param *p;
  unsigned int i;
  const char *missing;

  if (step->struct_size < STEP_SIZE_1_0)
    return refuse (r_reason, GPG_ERR_CONFIGURATION,
                   "step #%u: struct_size %zu, expected at least %zu",
                   idx, step->struct_size, (size_t)STEP_SIZE_1_0);
  if (!step->type || !*step->type)
    return refuse (r_reason, GPG_ERR_CONFIGURATION,
                   "step #%u: no type, expected a name", idx);
  missing = (!step->create ? "create"
             : !step->process ? "process"
             : !step->destroy ? "destroy" : NULL);
  if (missing)
    return refuse (r_reason, GPG_ERR_CONFIGURATION,
                   "step '%s': %s is NULL, expected a function",
                   step->type, missing);
  if (!step->params || !step->params->name)
    return 0;
  /* The first entry's size is the stride of the whole table.  */
  if (step->params->struct_size < PARAM_SIZE_1_0)
    return refuse (r_reason, GPG_ERR_CONFIGURATION,
                   "step '%s': parameter '%s': struct_size %zu,"
                   " expected at least %zu", step->type,
                   step->params->name, step->params->struct_size,
                   (size_t)PARAM_SIZE_1_0);
  for (i = 1; (p = pgpstep_param_at (step->params, i))->name; i++)
    if (p->struct_size != step->params->struct_size)
      return refuse (r_reason, GPG_ERR_CONFIGURATION,
                     "step '%s': parameter '%s': struct_size %zu,"
                     " expected %zu like the table's first entry",
                     step->type, p->name, p->struct_size,
                     step->params->struct_size);
  return 0;
}


gpg_error_t
loader_check_module (struct pgpstep_ctx *ctx,
                     const struct pgpstep_module *module, char **r_reason)
{
  gpg_error_t err;
  const struct pgpstep_step *step;
  const struct loaded_module *other;
  unsigned int i, j;

  *r_reason = NULL;
  if (!module)
    return refuse (r_reason, GPG_ERR_CONFIGURATION,
                   "no module description, expected one from "
                   PGPSTEP_MODULE_INIT_SYMBOL);
  /* The version decides how to read the rest, but it can only be
   * read once struct_size shows it is there.  */
  if (!PGPSTEP_HAS_MEMBER (module, struct pgpstep_module, abi_minor)
      || (module->abi_major == PGPSTEP_ABI_MAJOR
          && module->struct_size < MODULE_SIZE_1_0))
    return refuse (r_reason, GPG_ERR_CONFIGURATION,
                   "module struct_size %zu, expected at least %zu",
                   module->struct_size, (size_t)MODULE_SIZE_1_0);
  if (module->abi_major != PGPSTEP_ABI_MAJOR)
    return refuse (r_reason, GPG_ERR_CONFIGURATION,
                   "ABI major %u, expected %u",
                   module->abi_major, PGPSTEP_ABI_MAJOR);
  if (module->abi_minor > PGPSTEP_ABI_MINOR)
    return refuse (r_reason, GPG_ERR_CONFIGURATION,
                   "ABI minor %u, expected at most %u",
                   module->abi_minor, PGPSTEP_ABI_MINOR);
  if (!module->name || !*module->name)
    return refuse (r_reason, GPG_ERR_CONFIGURATION,
                   "module has no name, expected one");
  if (!module->steps || !module->steps[0])
    return refuse (r_reason, GPG_ERR_CONFIGURATION,
                   "module '%s' declares no steps, expected at least one",
                   module->name);

  for (i = 0; (step = module->steps[i]); i++)
    {
      err = check_step (step, i + 1, r_reason);
      if (err)
        return err;
      for (j = 0; j < i; j++)
        if (!strcmp (module->steps[j]->type, step->type))
          return refuse (r_reason, GPG_ERR_CONFIGURATION,
                         "step '%s' declared twice", step->type);
      if (loader_find_step (ctx, step->type, &other))
        return refuse (r_reason, GPG_ERR_CONFIGURATION,
                       "step '%s' already provided by %s",
                       step->type, other->file);
    }
  return 0;
}


/* Run INIT, check what it returns and append the module to CTX.  The
 * entry keeps DLHANDLE only on success.  */
static gpg_error_t
add_module (struct pgpstep_ctx *ctx, const char *file, void *dlhandle,
            pgpstep_module_init_t init, char **r_reason)
{
  gpg_error_t err;
  const struct pgpstep_module *module = NULL;
  struct loaded_module *lm, **tail;
  char *what = NULL;

  err = init (ctx->services, &module);
  if (err)
    return refuse (r_reason, GPG_ERR_CONFIGURATION,
                   "%s: " PGPSTEP_MODULE_INIT_SYMBOL " failed: %s",
                   file, gpg_strerror (err));
  err = loader_check_module (ctx, module, &what);
  if (err)
    {
      if (what)
        err = refuse (r_reason, gpg_err_code (err), "%s: %s", file, what);
      free (what);
      return err;
    }

  lm = calloc (1, sizeof *lm);
  if (!lm || !(lm->file = strdup (file)))
    {
      err = gpg_error_from_syserror ();
      free (lm);
      return err;
    }
  lm->dlhandle = dlhandle;
  lm->module = module;
  for (tail = &ctx->modules; *tail; tail = &(*tail)->next)
    ;
  *tail = lm;
  ctx->nmodules++;
  return 0;
}


gpg_error_t
loader_load_file (struct pgpstep_ctx *ctx, const char *file, char **r_reason)
{
  gpg_error_t err;
  void *handle = NULL;
  pgpstep_module_init_t init;
  struct plugsig *own = NULL;
  char fdpath[64];
  int mfd = -1;

  err = loader_check_path (file, geteuid (), r_reason);
  if (err)
    goto leave;
  if (ctx->plugin_keyring)
    {
      /* Load the checked copy: the file may change after the check.  */
      if (!ctx->plugsig)
        err = plugsig_open (ctx, ctx->plugin_keyring, &own, r_reason);
      if (!err)
        err = plugsig_check (ctx->plugsig ? ctx->plugsig : own, file, &mfd,
                             r_reason);
      plugsig_close (own);
      if (err)
        goto leave;
      snprintf (fdpath, sizeof fdpath, "/proc/self/fd/%d", mfd);
    }
  handle = dlopen (mfd >= 0 ? fdpath : file, RTLD_NOW | RTLD_LOCAL);
  if (mfd >= 0)
    close (mfd);        /* The mapping stays.  */
  if (!handle)
    {
      err = refuse (r_reason, GPG_ERR_CONFIGURATION,
                    "%s: dlopen failed: %s", file, dlerror ());
      goto leave;
    }
  init = (pgpstep_module_init_t) dlsym (handle, PGPSTEP_MODULE_INIT_SYMBOL);
  if (!init)
    {
      err = refuse (r_reason, GPG_ERR_CONFIGURATION,
                    "%s: missing entry symbol " PGPSTEP_MODULE_INIT_SYMBOL,
                    file);
      goto leave;
    }
  err = add_module (ctx, file, handle, init, r_reason);
  if (!err)
    handle = NULL;

 leave:
  if (handle)
    dlclose (handle);
  if (err)
    log_refusal (ctx, err, *r_reason);
  return err;
}


/* Match "*.so" like the shell does: no hidden files.  */
static int
is_module_name (const struct dirent *d)
{
  size_t n = strlen (d->d_name);

  return d->d_name[0] != '.' && n > 3 && !strcmp (d->d_name + n - 3, ".so");
}

/* Name order independent of the locale.  */
static int
by_name (const struct dirent **a, const struct dirent **b)
{
  return strcmp ((*a)->d_name, (*b)->d_name);
}

/* Load the modules of DIR; continue past refusals and return the
 * first one.  */
static gpg_error_t
load_dir (struct pgpstep_ctx *ctx, const char *dir, char **r_reason)
{
  gpg_error_t err = 0, fileerr;
  struct dirent **names = NULL;
  char *real = NULL;
  char *file, *reason;
  int n = 0, i, e;

  *r_reason = NULL;
  if (*dir != '/')
    {
      err = refuse (r_reason, GPG_ERR_CONFIGURATION,
                    "plugin directory '%s': relative path,"
                    " expected an absolute path", dir);
      log_refusal (ctx, err, *r_reason);
      goto leave;
    }
  /* Resolve symlinked directories (/lib -> usr/lib) once here;
   * loader_check_path refuses any symlink on the resolved path.  */
  real = realpath (dir, NULL);
  if (!real || (n = scandir (real, &names, is_module_name, by_name)) < 0)
    {
      e = errno;
      n = 0;
      err = refuse (r_reason, GPG_ERR_CONFIGURATION,
                    "%s: cannot read plugin directory: %s", dir, strerror (e));
      log_refusal (ctx, err, *r_reason);
      goto leave;
    }

  for (i = 0; i < n; i++)
    {
      reason = NULL;
      if (asprintf (&file, "%s/%s", real[1] ? real : "",
                    names[i]->d_name) < 0)
        fileerr = gpg_error_from_syserror ();
      else
        {
          fileerr = loader_load_file (ctx, file, &reason);
          free (file);
        }
      if (fileerr && !err)
        {
          err = fileerr;
          *r_reason = reason;
          reason = NULL;
        }
      free (reason);
    }

 leave:
  for (i = 0; i < n; i++)
    free (names[i]);
  free (names);
  free (real);
  return err;
}


gpg_error_t
loader_load_path (struct pgpstep_ctx *ctx, const char *path,
                  char **r_message)
{
  gpg_error_t err = 0, direrr;
  char *copy, *dir, *next, *reason;

  if (r_message)
    *r_message = NULL;
  /* One keyring import for all modules of the call.  */
  if (ctx->plugin_keyring)
    {
      err = plugsig_open (ctx, ctx->plugin_keyring, &ctx->plugsig, &reason);
      if (err)
        {
          log_refusal (ctx, err, reason);
          if (r_message)
            *r_message = reason;
          else
            free (reason);
          return err;
        }
    }
  copy = strdup (path);
  if (!copy)
    {
      plugsig_close (ctx->plugsig);
      ctx->plugsig = NULL;
      return gpg_error_from_syserror ();
    }
  for (dir = copy; dir; dir = next)
    {
      next = strchr (dir, ':');
      if (next)
        *next++ = 0;
      direrr = load_dir (ctx, dir, &reason);
      if (direrr && !err)
        {
          err = direrr;
          if (r_message)
            {
              *r_message = reason;
              reason = NULL;
            }
        }
      free (reason);
    }
  free (copy);
  plugsig_close (ctx->plugsig);
  ctx->plugsig = NULL;
  return err;
}


gpg_error_t
loader_register_static (struct pgpstep_ctx *ctx, const char *name,
                        pgpstep_module_init_t init, char **r_reason)
{
  gpg_error_t err;
  char *file;

  *r_reason = NULL;
  if (asprintf (&file, "builtin:%s", name) < 0)
    return gpg_error_from_syserror ();
  err = add_module (ctx, file, NULL, init, r_reason);
  if (err)
    log_refusal (ctx, err, *r_reason);
  free (file);
  return err;
}


const struct pgpstep_step *
loader_find_step (struct pgpstep_ctx *ctx, const char *type,
                  const struct loaded_module **r_module)
{
  const struct loaded_module *lm;
  const struct pgpstep_step *const *sp;

  if (r_module)
    *r_module = NULL;
  if (!type)
    return NULL;
  for (lm = ctx->modules; lm; lm = lm->next)
    for (sp = lm->module->steps; *sp; sp++)
      if (!strcmp ((*sp)->type, type))
        {
          if (r_module)
            *r_module = lm;
          return *sp;
        }
  return NULL;
}


void
loader_release_all (struct pgpstep_ctx *ctx)
{
  struct loaded_module *lm;

  while ((lm = ctx->modules))
    {
      ctx->modules = lm->next;
      if (lm->dlhandle)
        dlclose (lm->dlhandle);
      free (lm->file);
      free (lm);
    }
  ctx->nmodules = 0;
}
