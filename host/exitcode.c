/* exitcode.c - map errors to the documented CLI exit codes.  */
#include <config.h>
#include <pgpstep/host.h>

int
pgpstep_exit_code (gpg_error_t err)
{
  if (!err)
    return 0;
  switch (gpg_err_code (err))
    {
    case GPG_ERR_BAD_SIGNATURE:
    case GPG_ERR_NO_PUBKEY:
    case GPG_ERR_SIG_EXPIRED:
    case GPG_ERR_KEY_EXPIRED:
    case GPG_ERR_CERT_REVOKED:
      return 3;   /* No acceptable signature.  */

    case GPG_ERR_UNUSABLE_PUBKEY:
    case GPG_ERR_BAD_PUBKEY:
      return 17;  /* A recipient key cannot encrypt.  */

    case GPG_ERR_NO_SECKEY:
    case GPG_ERR_DECRYPT_FAILED:
      return 29;  /* Cannot decrypt.  */

    case GPG_ERR_NOT_SUPPORTED:
    case GPG_ERR_NOT_IMPLEMENTED:
    case GPG_ERR_UNSUPPORTED_ALGORITHM:
    case GPG_ERR_UNKNOWN_OPTION:
    case GPG_ERR_INV_VALUE:
      return 37;  /* Unsupported option or parameter value.  */

    case GPG_ERR_BAD_DATA:
    case GPG_ERR_INV_PACKET:
    case GPG_ERR_INV_ARMOR:
    case GPG_ERR_TRUNCATED:
    case GPG_ERR_NO_DATA:
    case GPG_ERR_CHECKSUM:
    case GPG_ERR_TOO_LARGE:
      return 41;  /* Bad data.  */

    case GPG_ERR_EEXIST:
      return 59;  /* Output exists.  */

    case GPG_ERR_ENOENT:
    case GPG_ERR_MISSING_VALUE:
      return 61;  /* Missing input (a file or a message header).  */

    case GPG_ERR_BAD_PASSPHRASE:
    case GPG_ERR_NO_PASSPHRASE:
      return 67;  /* Key protected: passphrase missing or wrong.  */

    case GPG_ERR_EIO:
    case GPG_ERR_ENOSPC:
    case GPG_ERR_EDQUOT:
    case GPG_ERR_EFBIG:
    case GPG_ERR_EPIPE:
    case GPG_ERR_EROFS:
    case GPG_ERR_EACCES:
    case GPG_ERR_EPERM:
    case GPG_ERR_ENOTDIR:
      return 74;  /* I/O error.  */

    case GPG_ERR_TIMEOUT:
      return 75;  /* Deadline exceeded.  */

    case GPG_ERR_CONFIGURATION:
    case GPG_ERR_UNKNOWN_NAME:
    case GPG_ERR_AMBIGUOUS:
    case GPG_ERR_INV_NAME:
      return 78;  /* Configuration error.  */

    case GPG_ERR_WRONG_KEY_USAGE:
    case GPG_ERR_UNUSABLE_SECKEY:
      return 79;  /* A signing key cannot sign.  */

    default:
      return 1;
    }
}
