/* t-loader.c - tests for host/loader.c.
 *
 * Each test gets a fresh host and a fresh temporary directory (0755)
 * into which it copies the modules of tests/modules it needs, so it
 * controls names, modes and owners.  Refusals are checked by error
 * code, by the exact reason and by the error line in the log.
 */
#include <config.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ctx.h"
#include "loader.h"

#ifndef MODULES_DIR
# error MODULES_DIR must name the directory of the built test modules
#endif

/* Owner for the foreign-owner cases (nobody).  */
#define OTHER_UID 65534

struct fixture
{
  pgpstep_t ctx;
  char dir[PATH_MAX];           /* Fresh directory, canonical.  */
  char log[8192];               /* Error lines, each ending in '\n'.  */
};


static void
collect_log (void *opaque, int level, const char *step, const char *text)
{
  struct fixture *f = opaque;
  size_t used = strlen (f->log);

  (void)step;
  if (level == PGPSTEP_LOG_ERROR)
    snprintf (f->log + used, sizeof f->log - used, "%s\n", text);
}

static int
setup (void **state)
{
  struct fixture *f;
  struct pgpstep_options opt = { .struct_size = sizeof opt };
  const char *tmp = getenv ("TMPDIR");
  char tmpl[PATH_MAX];

  f = calloc (1, sizeof *f);
  assert_non_null (f);
  snprintf (tmpl, sizeof tmpl, "%s/t-loader.XXXXXX",
            tmp && *tmp ? tmp : "/tmp");
  assert_non_null (mkdtemp (tmpl));
  assert_non_null (realpath (tmpl, f->dir));
  assert_int_equal (chmod (f->dir, 0755), 0);
  opt.verbosity = PGPSTEP_LOG_DEBUG;
  opt.log_cb = collect_log;
  opt.log_opaque = f;
  assert_int_equal (pgpstep_new (&f->ctx, &opt), 0);
  *state = f;
  return 0;
}

static int
remove_entry (const char *path, const struct stat *st, int flag,
              struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return remove (path);
}

static int
teardown (void **state)
{
  struct fixture *f = *state;

  pgpstep_release (f->ctx);
  nftw (f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  free (f);
  return 0;
}


/* Write F->dir/NAME into BUF.  */
static const char *
in_dir (struct fixture *f, char *buf, const char *name)
{
  assert_true (snprintf (buf, PATH_MAX, "%s/%s", f->dir, name) < PATH_MAX);
  return buf;
}

static void
make_dir (struct fixture *f, const char *name, mode_t mode)
{
  char path[PATH_MAX];

  assert_int_equal (mkdir (in_dir (f, path, name), 0700), 0);
  assert_int_equal (chmod (path, mode), 0);
}

/* Copy the built module MODULE (e.g. "mod-good") to F->dir/AS.  */
static void
install (struct fixture *f, const char *module, const char *as)
{
  char src[PATH_MAX], dst[PATH_MAX], buf[8192];
  int in, out;
  ssize_t n;

  snprintf (src, sizeof src, "%s/%s.so", MODULES_DIR, module);
  in = open (src, O_RDONLY);
  assert_true (in >= 0);
  out = open (in_dir (f, dst, as), O_WRONLY | O_CREAT | O_EXCL, 0700);
  assert_true (out >= 0);
  while ((n = read (in, buf, sizeof buf)) > 0)
    assert_int_equal (write (out, buf, (size_t)n), n);
  assert_int_equal (n, 0);
  close (in);
  assert_int_equal (close (out), 0);
  assert_int_equal (chmod (dst, 0755), 0);
}

/* Assert that ERR is a refusal with reason *R_GOT, which must equal
 * the formatted text and be logged as an error; free *R_GOT.  */
static void assert_refused (struct fixture *f, gpg_error_t err, char **r_got,
                            const char *format, ...)
  __attribute__ ((format (printf, 4, 5)));

static void
assert_refused (struct fixture *f, gpg_error_t err, char **r_got,
                const char *format, ...)
{
  char *got = *r_got;
  char expected[PATH_MAX * 3];
  va_list ap;

  va_start (ap, format);
  vsnprintf (expected, sizeof expected, format, ap);
  va_end (ap);
  assert_int_equal (gpg_err_code (err), GPG_ERR_CONFIGURATION);
  assert_non_null (got);
  assert_string_equal (got, expected);
  assert_non_null (strstr (f->log, expected));
  free (got);
  *r_got = NULL;
}

static gpg_error_t
load_path (struct fixture *f, const char *path, char **r_message)
{
  return loader_load_path (f->ctx, path, r_message);
}

/* Load F->dir and expect a refusal with the formatted reason.  */
static void assert_dir_refused (struct fixture *f, const char *format, ...)
  __attribute__ ((format (printf, 2, 3)));

static void
assert_dir_refused (struct fixture *f, const char *format, ...)
{
  char expected[PATH_MAX * 3];
  va_list ap;
  char *msg;
  gpg_error_t err;

  va_start (ap, format);
  vsnprintf (expected, sizeof expected, format, ap);
  va_end (ap);
  err = load_path (f, f->dir, &msg);
  assert_refused (f, err, &msg, "%s", expected);
}

/* Whether FILE is mapped in this process.  */
static int
is_loaded (const char *file)
{
  void *h = dlopen (file, RTLD_NOW | RTLD_NOLOAD);

  if (h)
    dlclose (h);
  return !!h;
}


/*
 * Loading.
 */

static void
test_loads_good_module_and_finds_its_step (void **state)
{
  struct fixture *f = *state;
  const struct loaded_module *lm;
  const struct pgpstep_step *step;
  char file[PATH_MAX];
  char *msg = NULL;

  install (f, "mod-good", "mod-good.so");
  assert_int_equal (load_path (f, f->dir, &msg), 0);
  assert_null (msg);
  assert_int_equal (f->ctx->nmodules, 1);
  step = loader_find_step (f->ctx, "good-cat", &lm);
  assert_non_null (step);
  assert_string_equal (step->type, "good-cat");
  assert_string_equal (lm->file, in_dir (f, file, "mod-good.so"));
  assert_non_null (lm->dlhandle);
  assert_string_equal (lm->module->name, "good");
  assert_null (loader_find_step (f->ctx, "no-such-step", &lm));
  assert_null (lm);
  assert_string_equal (f->log, "");
}

static void
test_release_unloads_modules (void **state)
{
  struct fixture *f = *state;
  char file[PATH_MAX];
  char *msg;

  install (f, "mod-good", "mod-good.so");
  assert_int_equal (load_path (f, f->dir, &msg), 0);
  assert_true (is_loaded (in_dir (f, file, "mod-good.so")));
  loader_release_all (f->ctx);
  assert_null (f->ctx->modules);
  assert_int_equal (f->ctx->nmodules, 0);
  assert_false (is_loaded (file));
}

static void
test_ignores_files_not_named_so (void **state)
{
  struct fixture *f = *state;
  char *msg;

  install (f, "mod-abimajor", "mod.so.1");
  install (f, "mod-abimajor", ".hidden.so");
  install (f, "mod-abimajor", "so");
  assert_int_equal (load_path (f, f->dir, &msg), 0);
  assert_null (msg);
  assert_int_equal (f->ctx->nmodules, 0);
}

static void
test_continues_past_refused_module_and_returns_first (void **state)
{
  struct fixture *f = *state;

  install (f, "mod-abimajor", "a.so");
  install (f, "mod-good", "b.so");
  install (f, "mod-initfail", "c.so");
  assert_dir_refused (f, "%s/a.so: ABI major 2, expected 1", f->dir);
  assert_int_equal (f->ctx->nmodules, 1);
  assert_non_null (loader_find_step (f->ctx, "good-cat", NULL));
  assert_non_null (strstr (f->log, "/c.so: pgpstep_module_init failed"));
}

static void
test_loads_directories_in_path_order (void **state)
{
  struct fixture *f = *state;
  char path[PATH_MAX * 2 + 2], one[PATH_MAX], two[PATH_MAX];
  const struct loaded_module *lm;
  char *msg;

  make_dir (f, "one", 0755);
  make_dir (f, "two", 0755);
  install (f, "mod-good", "one/a.so");
  install (f, "mod-dupstep", "two/z.so");
  snprintf (path, sizeof path, "%s:%s", in_dir (f, two, "two"),
            in_dir (f, one, "one"));
  assert_refused (f, load_path (f, path, &msg), &msg,
                  "%s/a.so: step 'good-cat' already provided by %s/z.so",
                  one, two);
  assert_non_null (loader_find_step (f->ctx, "good-cat", &lm));
  assert_string_equal (lm->module->name, "dupstep");
}

static void
test_resolves_symlinked_plugin_directory (void **state)
{
  struct fixture *f = *state;
  char real[PATH_MAX], link[PATH_MAX], file[PATH_MAX];
  const struct loaded_module *lm;
  char *msg;

  make_dir (f, "real", 0755);
  install (f, "mod-good", "real/mod-good.so");
  assert_int_equal (symlink (in_dir (f, real, "real"),
                             in_dir (f, link, "link")), 0);
  assert_int_equal (load_path (f, link, &msg), 0);
  assert_non_null (loader_find_step (f->ctx, "good-cat", &lm));
  assert_string_equal (lm->file, in_dir (f, file, "real/mod-good.so"));
}

static void
test_accepts_module_below_root_owned_sticky_directory (void **state)
{
  struct fixture *f = *state;
  char sub[PATH_MAX];
  char *msg;

  if (geteuid ())
    skip ();                    /* Needs a root-owned directory.  */
  make_dir (f, "sticky", 01777);
  make_dir (f, "sticky/sub", 0755);
  install (f, "mod-good", "sticky/sub/mod-good.so");
  assert_int_equal (load_path (f, in_dir (f, sub, "sticky/sub"), &msg), 0);
  assert_non_null (loader_find_step (f->ctx, "good-cat", NULL));
}


/*
 * Refusals for the file and the directories above it.
 */

static void
test_refuses_relative_directory (void **state)
{
  struct fixture *f = *state;
  char *msg;

  assert_refused (f, load_path (f, "tests/modules", &msg), &msg,
                  "plugin directory 'tests/modules': relative path,"
                  " expected an absolute path");
  assert_refused (f, load_path (f, "", &msg), &msg,
                  "plugin directory '': relative path,"
                  " expected an absolute path");
}

static void
test_refuses_relative_module_path (void **state)
{
  struct fixture *f = *state;
  char *reason;

  assert_refused (f, loader_load_file (f->ctx, "mod-good.so", &reason),
                  &reason, "mod-good.so: relative path,"
                  " expected an absolute path");
}

static void
test_refuses_missing_directory_by_name (void **state)
{
  struct fixture *f = *state;
  char path[PATH_MAX * 2 + 2], missing[PATH_MAX];
  char *msg;

  install (f, "mod-good", "mod-good.so");
  snprintf (path, sizeof path, "%s:%s", in_dir (f, missing, "missing"),
            f->dir);
  assert_refused (f, load_path (f, path, &msg), &msg,
                  "%s: cannot read plugin directory:"
                  " No such file or directory", missing);
  assert_non_null (loader_find_step (f->ctx, "good-cat", NULL));
}

static void
test_check_path_reports_missing_file_as_enoent (void **state)
{
  struct fixture *f = *state;
  char file[PATH_MAX];
  char *reason;

  assert_int_equal (gpg_err_code (loader_check_path
                                  (in_dir (f, file, "gone.so"), 0, &reason)),
                    GPG_ERR_ENOENT);
  assert_non_null (strstr (reason, "gone.so: No such file or directory"));
  free (reason);
}

static void
test_refuses_symlinked_module (void **state)
{
  struct fixture *f = *state;
  char link[PATH_MAX];

  install (f, "mod-good", "real.bin");
  assert_int_equal (symlink ("real.bin", in_dir (f, link, "link.so")), 0);
  assert_dir_refused (f, "%s: is a symbolic link, expected a regular file",
                      link);
  assert_int_equal (f->ctx->nmodules, 0);
}

static void
test_refuses_symlinked_directory_on_module_path (void **state)
{
  struct fixture *f = *state;
  char real[PATH_MAX], link[PATH_MAX], file[PATH_MAX];
  char *reason;

  make_dir (f, "real", 0755);
  install (f, "mod-good", "real/mod-good.so");
  assert_int_equal (symlink (in_dir (f, real, "real"),
                             in_dir (f, link, "link")), 0);
  assert_refused (f, loader_load_file (f->ctx,
                                       in_dir (f, file, "link/mod-good.so"),
                                       &reason),
                  &reason, "%s: is a symbolic link, expected a directory",
                  link);
}

static void
test_refuses_fifo_named_like_module (void **state)
{
  struct fixture *f = *state;
  char path[PATH_MAX];

  assert_int_equal (mkfifo (in_dir (f, path, "x.so"), 0644), 0);
  assert_dir_refused (f, "%s: is a FIFO, expected a regular file", path);
}

static void
test_refuses_directory_named_like_module (void **state)
{
  struct fixture *f = *state;

  make_dir (f, "x.so", 0755);
  assert_dir_refused (f, "%s/x.so: is a directory, expected a regular file",
                      f->dir);
}

static void
test_refuses_module_writable_by_group (void **state)
{
  struct fixture *f = *state;
  char path[PATH_MAX];

  install (f, "mod-good", "mod-good.so");
  assert_int_equal (chmod (in_dir (f, path, "mod-good.so"), 0664), 0);
  assert_dir_refused (f, "%s: writable by group (mode 0664)", path);
  assert_int_equal (f->ctx->nmodules, 0);
}

static void
test_refuses_module_writable_by_others (void **state)
{
  struct fixture *f = *state;
  char path[PATH_MAX];

  install (f, "mod-good", "mod-good.so");
  assert_int_equal (chmod (in_dir (f, path, "mod-good.so"), 0646), 0);
  assert_dir_refused (f, "%s: writable by others (mode 0646)", path);
}

static void
test_refuses_module_in_world_writable_directory (void **state)
{
  struct fixture *f = *state;
  char sub[PATH_MAX];
  char *msg;

  make_dir (f, "sub", 0777);
  install (f, "mod-good", "sub/mod-good.so");
  assert_refused (f, load_path (f, in_dir (f, sub, "sub"), &msg), &msg,
                  "%s: writable by others (mode 0777)", sub);
}

static void
test_refuses_module_below_group_writable_directory (void **state)
{
  struct fixture *f = *state;
  char sub[PATH_MAX], deep[PATH_MAX];
  char *msg;

  make_dir (f, "sub", 0775);
  make_dir (f, "sub/deep", 0755);
  install (f, "mod-good", "sub/deep/mod-good.so");
  assert_refused (f, load_path (f, in_dir (f, deep, "sub/deep"), &msg),
                  &msg,
                  "%s: writable by group (mode 0775)",
                  in_dir (f, sub, "sub"));
}

static void
test_refuses_sticky_directory_not_owned_by_root (void **state)
{
  struct fixture *f = *state;
  char sticky[PATH_MAX], file[PATH_MAX], expected[PATH_MAX * 2];
  uid_t uid = geteuid () ? geteuid () : OTHER_UID;
  char *reason;

  make_dir (f, "sticky", 01777);
  install (f, "mod-good", "sticky/mod-good.so");
  in_dir (f, sticky, "sticky");
  if (!geteuid ())
    assert_int_equal (chown (sticky, uid, -1), 0);
  /* UID owns the directory, so only the sticky exception is at stake.  */
  assert_int_equal (gpg_err_code (loader_check_path
                                  (in_dir (f, file, "sticky/mod-good.so"),
                                   uid, &reason)), GPG_ERR_CONFIGURATION);
  snprintf (expected, sizeof expected, "%s: writable by others (mode 1777)",
            sticky);
  assert_string_equal (reason, expected);
  free (reason);
}

static void
test_refuses_module_owned_by_another_user (void **state)
{
  struct fixture *f = *state;
  char path[PATH_MAX];

  if (geteuid ())
    skip ();                    /* Only root can give a file away.  */
  install (f, "mod-good", "mod-good.so");
  assert_int_equal (chown (in_dir (f, path, "mod-good.so"), OTHER_UID, -1),
                    0);
  assert_dir_refused (f, "%s: owned by uid 65534, expected root", path);
}

static void
test_refuses_directory_owned_by_another_user (void **state)
{
  struct fixture *f = *state;
  char sub[PATH_MAX];
  char *msg;

  if (geteuid ())
    skip ();
  make_dir (f, "sub", 0755);
  install (f, "mod-good", "sub/mod-good.so");
  assert_int_equal (chown (in_dir (f, sub, "sub"), OTHER_UID, -1), 0);
  assert_refused (f, load_path (f, sub, &msg), &msg,
                  "%s: owned by uid 65534, expected root", sub);
}

static void
test_check_path_accepts_running_user_as_owner (void **state)
{
  struct fixture *f = *state;
  char file[PATH_MAX], expected[PATH_MAX * 2];
  char *reason;

  if (geteuid ())
    skip ();
  install (f, "mod-good", "mod-good.so");
  assert_int_equal (chown (in_dir (f, file, "mod-good.so"), OTHER_UID, -1),
                    0);
  assert_int_equal (loader_check_path (file, OTHER_UID, &reason), 0);
  assert_null (reason);
  assert_int_equal (gpg_err_code (loader_check_path (file, 1000, &reason)),
                    GPG_ERR_CONFIGURATION);
  snprintf (expected, sizeof expected,
            "%s: owned by uid 65534, expected root or uid 1000", file);
  assert_string_equal (reason, expected);
  free (reason);
}


/*
 * Refusals for what the module declares.
 */

static void
test_refuses_module_without_entry_symbol (void **state)
{
  struct fixture *f = *state;
  char file[PATH_MAX];

  install (f, "mod-nosym", "mod-nosym.so");
  assert_dir_refused (f, "%s: missing entry symbol pgpstep_module_init",
                      in_dir (f, file, "mod-nosym.so"));
  assert_false (is_loaded (file));
}

static void
test_refuses_module_whose_init_fails (void **state)
{
  struct fixture *f = *state;
  char file[PATH_MAX];

  install (f, "mod-initfail", "mod-initfail.so");
  assert_dir_refused (f, "%s: pgpstep_module_init failed: Not supported",
                      in_dir (f, file, "mod-initfail.so"));
  assert_false (is_loaded (file));
}

static void
test_refuses_abi_major_mismatch (void **state)
{
  struct fixture *f = *state;
  char file[PATH_MAX];

  install (f, "mod-abimajor", "mod-abimajor.so");
  assert_dir_refused (f, "%s: ABI major %d, expected %d",
                      in_dir (f, file, "mod-abimajor.so"),
                      PGPSTEP_ABI_MAJOR + 1, PGPSTEP_ABI_MAJOR);
  assert_false (is_loaded (file));
}

static void
test_refuses_newer_abi_minor (void **state)
{
  struct fixture *f = *state;
  char file[PATH_MAX];

  install (f, "mod-abiminor", "mod-abiminor.so");
  assert_dir_refused (f, "%s: ABI minor %d, expected at most %d",
                      in_dir (f, file, "mod-abiminor.so"),
                      PGPSTEP_ABI_MINOR + 1, PGPSTEP_ABI_MINOR);
}

static void
test_refuses_too_small_module_struct (void **state)
{
  struct fixture *f = *state;
  char file[PATH_MAX];

  install (f, "mod-smallstruct", "mod-smallstruct.so");
  assert_dir_refused (f, "%s: module struct_size %zu, expected at least %zu",
                      in_dir (f, file, "mod-smallstruct.so"),
                      offsetof (struct pgpstep_module, steps),
                      sizeof (struct pgpstep_module));
}

static void
test_refuses_too_small_param_struct (void **state)
{
  struct fixture *f = *state;
  char file[PATH_MAX];

  install (f, "mod-smallparam", "mod-smallparam.so");
  assert_dir_refused (f, "%s: step 'good-cat': parameter 'greeting':"
                      " struct_size %zu, expected at least %zu",
                      in_dir (f, file, "mod-smallparam.so"),
                      offsetof (struct pgpstep_param, description),
                      sizeof (struct pgpstep_param));
}

static void
test_refuses_duplicate_step_across_files (void **state)
{
  struct fixture *f = *state;
  const struct loaded_module *lm;
  char file[PATH_MAX];

  install (f, "mod-good", "a-good.so");
  install (f, "mod-dupstep", "b-dup.so");
  assert_dir_refused (f, "%s/b-dup.so: step 'good-cat' already provided by"
                      " %s/a-good.so", f->dir, f->dir);
  assert_int_equal (f->ctx->nmodules, 1);
  assert_non_null (loader_find_step (f->ctx, "good-cat", &lm));
  assert_string_equal (lm->module->name, "good");
  assert_false (is_loaded (in_dir (f, file, "b-dup.so")));
}


/*
 * Modules linked into the program, and the description checks.
 */

static gpg_error_t
fake_create (const struct pgpstep_host *host, pgpstep_config_t cfg,
             void **r_state)
{
  (void)host;
  (void)cfg;
  *r_state = NULL;
  return 0;
}

static gpg_error_t
fake_process (void *state, pgpstep_message_t msg,
              struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  (void)state;
  (void)msg;
  (void)source;
  (void)sink;
  return 0;
}

static void
fake_destroy (void *state)
{
  (void)state;
}

#define FAKE_STEP(name) \
  { .struct_size = sizeof (struct pgpstep_step), .type = (name), \
    .create = fake_create, .process = fake_process, .destroy = fake_destroy }

#define FAKE_MODULE(stepv) \
  { .struct_size = sizeof (struct pgpstep_module), \
    .abi_major = PGPSTEP_ABI_MAJOR, .abi_minor = PGPSTEP_ABI_MINOR, \
    .name = "fake", .steps = (stepv) }

static const struct pgpstep_step fake_step = FAKE_STEP ("fake-step");
static const struct pgpstep_step *const fake_steps[] = { &fake_step, NULL };
static const struct pgpstep_module fake_module = FAKE_MODULE (fake_steps);

static const struct pgpstep_step cat_step = FAKE_STEP ("good-cat");
static const struct pgpstep_step *const cat_steps[] = { &cat_step, NULL };
static const struct pgpstep_module cat_module = FAKE_MODULE (cat_steps);

static gpg_error_t
fake_init (const struct pgpstep_host *host,
           const struct pgpstep_module **r_module)
{
  /* The host hands over its services table.  */
  assert_int_equal (host->abi_major, PGPSTEP_ABI_MAJOR);
  *r_module = &fake_module;
  return 0;
}

static gpg_error_t
cat_init (const struct pgpstep_host *host,
          const struct pgpstep_module **r_module)
{
  (void)host;
  *r_module = &cat_module;
  return 0;
}

static gpg_error_t
null_init (const struct pgpstep_host *host,
           const struct pgpstep_module **r_module)
{
  (void)host;
  *r_module = NULL;
  return 0;
}

static void
test_registers_static_module (void **state)
{
  struct fixture *f = *state;
  const struct loaded_module *lm;
  char *reason;

  assert_int_equal (loader_register_static (f->ctx, "fake", fake_init,
                                            &reason), 0);
  assert_null (reason);
  assert_non_null (loader_find_step (f->ctx, "fake-step", &lm));
  assert_string_equal (lm->file, "builtin:fake");
  assert_null (lm->dlhandle);
  assert_ptr_equal (lm->module, &fake_module);
}

static void
test_refuses_static_module_without_description (void **state)
{
  struct fixture *f = *state;
  char *reason;

  assert_refused (f, loader_register_static (f->ctx, "null", null_init,
                                             &reason),
                  &reason, "builtin:null: no module description,"
                  " expected one from pgpstep_module_init");
  assert_int_equal (f->ctx->nmodules, 0);
}

static void
test_refuses_step_already_provided_by_loaded_module (void **state)
{
  struct fixture *f = *state;
  char *reason;

  install (f, "mod-good", "mod-good.so");
  assert_int_equal (load_path (f, f->dir, &reason), 0);
  assert_refused (f, loader_register_static (f->ctx, "cat", cat_init,
                                             &reason),
                  &reason, "builtin:cat: step 'good-cat' already provided"
                  " by %s/mod-good.so", f->dir);
  assert_int_equal (f->ctx->nmodules, 1);
}

static void
test_refuses_loaded_step_already_provided_by_static_module (void **state)
{
  struct fixture *f = *state;
  char *reason;

  assert_int_equal (loader_register_static (f->ctx, "cat", cat_init,
                                            &reason), 0);
  install (f, "mod-good", "mod-good.so");
  assert_dir_refused (f, "%s/mod-good.so: step 'good-cat' already provided"
                      " by builtin:cat", f->dir);
}


/* Module descriptions loader_check_module refuses.  */
static const struct pgpstep_step small_step =
  { .struct_size = offsetof (struct pgpstep_step, destroy),
    .type = "small" };
static const struct pgpstep_step untyped_step = FAKE_STEP (NULL);
static const struct pgpstep_step no_create_step =
  { .struct_size = sizeof (struct pgpstep_step), .type = "no-create",
    .process = fake_process, .destroy = fake_destroy };
static const struct pgpstep_step no_process_step =
  { .struct_size = sizeof (struct pgpstep_step), .type = "no-process",
    .create = fake_create, .destroy = fake_destroy };
static const struct pgpstep_step no_destroy_step =
  { .struct_size = sizeof (struct pgpstep_step), .type = "no-destroy",
    .create = fake_create, .process = fake_process };
static const struct pgpstep_step *const small_steps[] =
  { &fake_step, &small_step, NULL };
static const struct pgpstep_step *const untyped_steps[] =
  { &untyped_step, NULL };
static const struct pgpstep_step *const no_create_steps[] =
  { &no_create_step, NULL };
static const struct pgpstep_step *const no_process_steps[] =
  { &no_process_step, NULL };
static const struct pgpstep_step *const no_destroy_steps[] =
  { &no_destroy_step, NULL };
static const struct pgpstep_step *const twice_steps[] =
  { &fake_step, &fake_step, NULL };
static const struct pgpstep_step *const no_steps[] = { NULL };

/* Check FAKE_MODULE with STEPS, NAME and SIZE; expect the reason.  */
static void assert_module_refused (struct fixture *f,
                                   const struct pgpstep_step *const *steps,
                                   const char *name, size_t size,
                                   const char *format, ...)
  __attribute__ ((format (printf, 5, 6)));

static void
assert_module_refused (struct fixture *f,
                       const struct pgpstep_step *const *steps,
                       const char *name, size_t size, const char *format, ...)
{
  struct pgpstep_module m = fake_module;
  char expected[512];
  char *reason;
  va_list ap;

  va_start (ap, format);
  vsnprintf (expected, sizeof expected, format, ap);
  va_end (ap);
  m.steps = steps;
  m.name = name;
  m.struct_size = size;
  assert_int_equal (gpg_err_code (loader_check_module (f->ctx, &m, &reason)),
                    GPG_ERR_CONFIGURATION);
  assert_non_null (reason);
  assert_string_equal (reason, expected);
  free (reason);
}

static void
test_check_module_refuses_broken_descriptions (void **state)
{
  struct fixture *f = *state;
  const size_t size = sizeof (struct pgpstep_module);
  char *reason;

  assert_module_refused (f, fake_steps, "fake", sizeof (size_t),
                         "module struct_size %zu, expected at least %zu",
                         sizeof (size_t), size);
  assert_module_refused (f, fake_steps, NULL, size,
                         "module has no name, expected one");
  assert_module_refused (f, fake_steps, "", size,
                         "module has no name, expected one");
  assert_module_refused (f, NULL, "fake", size, "module 'fake' declares"
                         " no steps, expected at least one");
  assert_module_refused (f, no_steps, "fake", size, "module 'fake' declares"
                         " no steps, expected at least one");
  assert_module_refused (f, small_steps, "fake", size,
                         "step #2: struct_size %zu, expected at least %zu",
                         offsetof (struct pgpstep_step, destroy),
                         sizeof (struct pgpstep_step));
  assert_module_refused (f, untyped_steps, "fake", size,
                         "step #1: no type, expected a name");
  assert_module_refused (f, no_create_steps, "fake", size, "step 'no-create':"
                         " create is NULL, expected a function");
  assert_module_refused (f, no_process_steps, "fake", size,
                         "step 'no-process': process is NULL,"
                         " expected a function");
  assert_module_refused (f, no_destroy_steps, "fake", size,
                         "step 'no-destroy': destroy is NULL,"
                         " expected a function");
  assert_module_refused (f, twice_steps, "fake", size,
                         "step 'fake-step' declared twice");

  assert_int_equal (loader_check_module (f->ctx, &fake_module, &reason), 0);
  assert_null (reason);
}


int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, setup, teardown)
  const struct CMUnitTest tests[] =
    {
      T (test_loads_good_module_and_finds_its_step),
      T (test_release_unloads_modules),
      T (test_ignores_files_not_named_so),
      T (test_continues_past_refused_module_and_returns_first),
      T (test_loads_directories_in_path_order),
      T (test_resolves_symlinked_plugin_directory),
      T (test_accepts_module_below_root_owned_sticky_directory),
      T (test_refuses_relative_directory),
      T (test_refuses_relative_module_path),
      T (test_refuses_missing_directory_by_name),
      T (test_check_path_reports_missing_file_as_enoent),
      T (test_refuses_symlinked_module),
      T (test_refuses_symlinked_directory_on_module_path),
      T (test_refuses_fifo_named_like_module),
      T (test_refuses_directory_named_like_module),
      T (test_refuses_module_writable_by_group),
      T (test_refuses_module_writable_by_others),
      T (test_refuses_module_in_world_writable_directory),
      T (test_refuses_module_below_group_writable_directory),
      T (test_refuses_sticky_directory_not_owned_by_root),
      T (test_refuses_module_owned_by_another_user),
      T (test_refuses_directory_owned_by_another_user),
      T (test_check_path_accepts_running_user_as_owner),
      T (test_refuses_module_without_entry_symbol),
      T (test_refuses_module_whose_init_fails),
      T (test_refuses_abi_major_mismatch),
      T (test_refuses_newer_abi_minor),
      T (test_refuses_too_small_module_struct),
      T (test_refuses_too_small_param_struct),
      T (test_refuses_duplicate_step_across_files),
      T (test_registers_static_module),
      T (test_refuses_static_module_without_description),
      T (test_refuses_step_already_provided_by_loaded_module),
      T (test_refuses_loaded_step_already_provided_by_static_module),
      T (test_check_module_refuses_broken_descriptions),
    };
#undef T

  return cmocka_run_group_tests (tests, NULL, NULL);
}
