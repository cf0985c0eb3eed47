/* cmd-armor.c - "armor" and "dearmor": the armor step.  */
#include <config.h>
#include <unistd.h>

#include "sop.h"

static int
run_armor (int argc, char **argv, const char *mode)
{
  /* --label was dropped from the draft; it is refused, not ignored.  */
  static const struct sop_optdef defs[] = { { "label", 1, 0, 0 } };
  struct sop_args a;
  struct sop_session s;
  struct sop_step st;
  int rc;

  sop_step_init (&st, "armor");
  rc = sop_args_parse (&a, defs, *mode == 'a' ? 1 : 0, argc, argv);
  if (!rc && a.npos)
    {
      sop_error ("unexpected argument '%s'", a.pos[0]);
      rc = SOP_GENERIC;
    }
  if (rc)
    {
      sop_args_release (&a);
      return rc;
    }
  rc = sop_session_open (&s);
  if (!rc)
    rc = sop_step_add (&st, "mode", mode);
  if (!rc)
    rc = sop_session_pipe (&s, &st, STDIN_FILENO, 0, NULL);
  sop_step_release (&st);
  sop_session_close (&s);
  sop_args_release (&a);
  return rc;
}

int
sop_cmd_armor (int argc, char **argv)
{
  return run_armor (argc, argv, "armor");
}

int
sop_cmd_dearmor (int argc, char **argv)
{
  return run_armor (argc, argv, "dearmor");
}
