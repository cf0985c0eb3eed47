/* armor.c - OpenPGP ASCII armor (RFC 4880 §6), streaming.
 *
 * Speed matters (gpg's own armor is the bottleneck we avoid): the
 * encoder writes whole 64-column lines straight into the caller's
 * buffer, two characters per 12-bit table lookup; the decoder takes
 * whole "64 characters + LF/CRLF" lines in one checked step (four
 * pre-shifted lookups ORed per group, one test per line) and falls
 * back to the per-group and per-character paths for anything else, so
 * errors and their reasons are those of the slow path.  CRC-24 runs
 * over the binary side in bulk, eight bytes per step (slicing-by-8).
 * Per-byte state machines run only for the BEGIN line, the armor
 * headers, odd line ends, padding, the checksum and the END line.
 */
#include <config.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "armor.h"

#if defined (__x86_64__) && defined (__GNUC__)
# include <immintrin.h>
# define USE_CLMUL 1
#endif

#define LINE_CHARS 64            /* Encoder output line length.  */
#define LINEBUF    128           /* BEGIN, END and checksum lines.  */

static const char b64chars[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decoder classes: 0..63 base64 values; the rest have bit 6 or 7 set
 * so that one test on four ORed values catches them all.  */
#define C_SPACE 0x40   /* Space, tab, CR.  */
#define C_LF    0x41
#define C_PAD   0x42   /* '=' */
#define C_DASH  0x43   /* '-' */
#define C_BAD   0xff
static const unsigned char dtab[256] =
  {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x40, 0x41, 0xff,
    0xff, 0x40, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x40, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3e, 0xff, 0x43, 0xff, 0x3f,
    0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0xff, 0xff,
    0xff, 0x42, 0xff, 0xff, 0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
    0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
    0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24,
    0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30,
    0x31, 0x32, 0x33, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff
  };

/* CRC-24 (poly 0x864CFB) kept in the top 24 bits of a 32-bit register;
 * crc_table[k][i] advances byte i by k further zero bytes.  Generated
 * by the usual recurrence, T0[i] = 8 shift steps of i << 24, Tk[i] =
 * (Tk-1[i] << 8) ^ T0[Tk-1[i] >> 24].  */
static const uint32_t crc_table[4][256] =
  {
    {
      0x00000000, 0x864cfb00, 0x8ad50d00, 0x0c99f600, 0x93e6e100, 0x15aa1a00,
      0x1933ec00, 0x9f7f1700, 0xa1813900, 0x27cdc200, 0x2b543400, 0xad18cf00,
      0x3267d800, 0xb42b2300, 0xb8b2d500, 0x3efe2e00, 0xc54e8900, 0x43027200,
      0x4f9b8400, 0xc9d77f00, 0x56a86800, 0xd0e49300, 0xdc7d6500, 0x5a319e00,
      0x64cfb000, 0xe2834b00, 0xee1abd00, 0x68564600, 0xf7295100, 0x7165aa00,
      0x7dfc5c00, 0xfbb0a700, 0x0cd1e900, 0x8a9d1200, 0x8604e400, 0x00481f00,
      0x9f370800, 0x197bf300, 0x15e20500, 0x93aefe00, 0xad50d000, 0x2b1c2b00,
      0x2785dd00, 0xa1c92600, 0x3eb63100, 0xb8faca00, 0xb4633c00, 0x322fc700,
      0xc99f6000, 0x4fd39b00, 0x434a6d00, 0xc5069600, 0x5a798100, 0xdc357a00,
      0xd0ac8c00, 0x56e07700, 0x681e5900, 0xee52a200, 0xe2cb5400, 0x6487af00,
      0xfbf8b800, 0x7db44300, 0x712db500, 0xf7614e00, 0x19a3d200, 0x9fef2900,
      0x9376df00, 0x153a2400, 0x8a453300, 0x0c09c800, 0x00903e00, 0x86dcc500,
      0xb822eb00, 0x3e6e1000, 0x32f7e600, 0xb4bb1d00, 0x2bc40a00, 0xad88f100,
      0xa1110700, 0x275dfc00, 0xdced5b00, 0x5aa1a000, 0x56385600, 0xd074ad00,
      0x4f0bba00, 0xc9474100, 0xc5deb700, 0x43924c00, 0x7d6c6200, 0xfb209900,
      0xf7b96f00, 0x71f59400, 0xee8a8300, 0x68c67800, 0x645f8e00, 0xe2137500,
      0x15723b00, 0x933ec000, 0x9fa73600, 0x19ebcd00, 0x8694da00, 0x00d82100,
      0x0c41d700, 0x8a0d2c00, 0xb4f30200, 0x32bff900, 0x3e260f00, 0xb86af400,
      0x2715e300, 0xa1591800, 0xadc0ee00, 0x2b8c1500, 0xd03cb200, 0x56704900,
      0x5ae9bf00, 0xdca54400, 0x43da5300, 0xc596a800, 0xc90f5e00, 0x4f43a500,
      0x71bd8b00, 0xf7f17000, 0xfb688600, 0x7d247d00, 0xe25b6a00, 0x64179100,
      0x688e6700, 0xeec29c00, 0x3347a400, 0xb50b5f00, 0xb992a900, 0x3fde5200,
      0xa0a14500, 0x26edbe00, 0x2a744800, 0xac38b300, 0x92c69d00, 0x148a6600,
      0x18139000, 0x9e5f6b00, 0x01207c00, 0x876c8700, 0x8bf57100, 0x0db98a00,
      0xf6092d00, 0x7045d600, 0x7cdc2000, 0xfa90db00, 0x65efcc00, 0xe3a33700,
      0xef3ac100, 0x69763a00, 0x57881400, 0xd1c4ef00, 0xdd5d1900, 0x5b11e200,
      0xc46ef500, 0x42220e00, 0x4ebbf800, 0xc8f70300, 0x3f964d00, 0xb9dab600,
      0xb5434000, 0x330fbb00, 0xac70ac00, 0x2a3c5700, 0x26a5a100, 0xa0e95a00,
      0x9e177400, 0x185b8f00, 0x14c27900, 0x928e8200, 0x0df19500, 0x8bbd6e00,
      0x87249800, 0x01686300, 0xfad8c400, 0x7c943f00, 0x700dc900, 0xf6413200,
      0x693e2500, 0xef72de00, 0xe3eb2800, 0x65a7d300, 0x5b59fd00, 0xdd150600,
      0xd18cf000, 0x57c00b00, 0xc8bf1c00, 0x4ef3e700, 0x426a1100, 0xc426ea00,
      0x2ae47600, 0xaca88d00, 0xa0317b00, 0x267d8000, 0xb9029700, 0x3f4e6c00,
      0x33d79a00, 0xb59b6100, 0x8b654f00, 0x0d29b400, 0x01b04200, 0x87fcb900,
      0x1883ae00, 0x9ecf5500, 0x9256a300, 0x141a5800, 0xefaaff00, 0x69e60400,
      0x657ff200, 0xe3330900, 0x7c4c1e00, 0xfa00e500, 0xf6991300, 0x70d5e800,
      0x4e2bc600, 0xc8673d00, 0xc4fecb00, 0x42b23000, 0xddcd2700, 0x5b81dc00,
      0x57182a00, 0xd154d100, 0x26359f00, 0xa0796400, 0xace09200, 0x2aac6900,
      0xb5d37e00, 0x339f8500, 0x3f067300, 0xb94a8800, 0x87b4a600, 0x01f85d00,
      0x0d61ab00, 0x8b2d5000, 0x14524700, 0x921ebc00, 0x9e874a00, 0x18cbb100,
      0xe37b1600, 0x6537ed00, 0x69ae1b00, 0xefe2e000, 0x709df700, 0xf6d10c00,
      0xfa48fa00, 0x7c040100, 0x42fa2f00, 0xc4b6d400, 0xc82f2200, 0x4e63d900,
      0xd11cce00, 0x57503500, 0x5bc9c300, 0xdd853800
    },
    {
      0x00000000, 0x668f4800, 0xcd1e9000, 0xab91d800, 0x1c71db00, 0x7afe9300,
      0xd16f4b00, 0xb7e00300, 0x38e3b600, 0x5e6cfe00, 0xf5fd2600, 0x93726e00,
      0x24926d00, 0x421d2500, 0xe98cfd00, 0x8f03b500, 0x71c76c00, 0x17482400,
      0xbcd9fc00, 0xda56b400, 0x6db6b700, 0x0b39ff00, 0xa0a82700, 0xc6276f00,
      0x4924da00, 0x2fab9200, 0x843a4a00, 0xe2b50200, 0x55550100, 0x33da4900,
      0x984b9100, 0xfec4d900, 0xe38ed800, 0x85019000, 0x2e904800, 0x481f0000,
      0xffff0300, 0x99704b00, 0x32e19300, 0x546edb00, 0xdb6d6e00, 0xbde22600,
      0x1673fe00, 0x70fcb600, 0xc71cb500, 0xa193fd00, 0x0a022500, 0x6c8d6d00,
      0x9249b400, 0xf4c6fc00, 0x5f572400, 0x39d86c00, 0x8e386f00, 0xe8b72700,
      0x4326ff00, 0x25a9b700, 0xaaaa0200, 0xcc254a00, 0x67b49200, 0x013bda00,
      0xb6dbd900, 0xd0549100, 0x7bc54900, 0x1d4a0100, 0x41514b00, 0x27de0300,
      0x8c4fdb00, 0xeac09300, 0x5d209000, 0x3bafd800, 0x903e0000, 0xf6b14800,
      0x79b2fd00, 0x1f3db500, 0xb4ac6d00, 0xd2232500, 0x65c32600, 0x034c6e00,
      0xa8ddb600, 0xce52fe00, 0x30962700, 0x56196f00, 0xfd88b700, 0x9b07ff00,
      0x2ce7fc00, 0x4a68b400, 0xe1f96c00, 0x87762400, 0x08759100, 0x6efad900,
      0xc56b0100, 0xa3e44900, 0x14044a00, 0x728b0200, 0xd91ada00, 0xbf959200,
      0xa2df9300, 0xc450db00, 0x6fc10300, 0x094e4b00, 0xbeae4800, 0xd8210000,
      0x73b0d800, 0x153f9000, 0x9a3c2500, 0xfcb36d00, 0x5722b500, 0x31adfd00,
      0x864dfe00, 0xe0c2b600, 0x4b536e00, 0x2ddc2600, 0xd318ff00, 0xb597b700,
      0x1e066f00, 0x78892700, 0xcf692400, 0xa9e66c00, 0x0277b400, 0x64f8fc00,
      0xebfb4900, 0x8d740100, 0x26e5d900, 0x406a9100, 0xf78a9200, 0x9105da00,
      0x3a940200, 0x5c1b4a00, 0x82a29600, 0xe42dde00, 0x4fbc0600, 0x29334e00,
      0x9ed34d00, 0xf85c0500, 0x53cddd00, 0x35429500, 0xba412000, 0xdcce6800,
      0x775fb000, 0x11d0f800, 0xa630fb00, 0xc0bfb300, 0x6b2e6b00, 0x0da12300,
      0xf365fa00, 0x95eab200, 0x3e7b6a00, 0x58f42200, 0xef142100, 0x899b6900,
      0x220ab100, 0x4485f900, 0xcb864c00, 0xad090400, 0x0698dc00, 0x60179400,
      0xd7f79700, 0xb178df00, 0x1ae90700, 0x7c664f00, 0x612c4e00, 0x07a30600,
      0xac32de00, 0xcabd9600, 0x7d5d9500, 0x1bd2dd00, 0xb0430500, 0xd6cc4d00,
      0x59cff800, 0x3f40b000, 0x94d16800, 0xf25e2000, 0x45be2300, 0x23316b00,
      0x88a0b300, 0xee2ffb00, 0x10eb2200, 0x76646a00, 0xddf5b200, 0xbb7afa00,
      0x0c9af900, 0x6a15b100, 0xc1846900, 0xa70b2100, 0x28089400, 0x4e87dc00,
      0xe5160400, 0x83994c00, 0x34794f00, 0x52f60700, 0xf967df00, 0x9fe89700,
      0xc3f3dd00, 0xa57c9500, 0x0eed4d00, 0x68620500, 0xdf820600, 0xb90d4e00,
      0x129c9600, 0x7413de00, 0xfb106b00, 0x9d9f2300, 0x360efb00, 0x5081b300,
      0xe761b000, 0x81eef800, 0x2a7f2000, 0x4cf06800, 0xb234b100, 0xd4bbf900,
      0x7f2a2100, 0x19a56900, 0xae456a00, 0xc8ca2200, 0x635bfa00, 0x05d4b200,
      0x8ad70700, 0xec584f00, 0x47c99700, 0x2146df00, 0x96a6dc00, 0xf0299400,
      0x5bb84c00, 0x3d370400, 0x207d0500, 0x46f24d00, 0xed639500, 0x8becdd00,
      0x3c0cde00, 0x5a839600, 0xf1124e00, 0x979d0600, 0x189eb300, 0x7e11fb00,
      0xd5802300, 0xb30f6b00, 0x04ef6800, 0x62602000, 0xc9f1f800, 0xaf7eb000,
      0x51ba6900, 0x37352100, 0x9ca4f900, 0xfa2bb100, 0x4dcbb200, 0x2b44fa00,
      0x80d52200, 0xe65a6a00, 0x6959df00, 0x0fd69700, 0xa4474f00, 0xc2c80700,
      0x75280400, 0x13a74c00, 0xb8369400, 0xdeb9dc00
    },
    {
      0x00000000, 0x8309d700, 0x805f5500, 0x03568200, 0x86f25100, 0x05fb8600,
      0x06ad0400, 0x85a4d300, 0x8ba85900, 0x08a18e00, 0x0bf70c00, 0x88fedb00,
      0x0d5a0800, 0x8e53df00, 0x8d055d00, 0x0e0c8a00, 0x911c4900, 0x12159e00,
      0x11431c00, 0x924acb00, 0x17ee1800, 0x94e7cf00, 0x97b14d00, 0x14b89a00,
      0x1ab41000, 0x99bdc700, 0x9aeb4500, 0x19e29200, 0x9c464100, 0x1f4f9600,
      0x1c191400, 0x9f10c300, 0xa4746900, 0x277dbe00, 0x242b3c00, 0xa722eb00,
      0x22863800, 0xa18fef00, 0xa2d96d00, 0x21d0ba00, 0x2fdc3000, 0xacd5e700,
      0xaf836500, 0x2c8ab200, 0xa92e6100, 0x2a27b600, 0x29713400, 0xaa78e300,
      0x35682000, 0xb661f700, 0xb5377500, 0x363ea200, 0xb39a7100, 0x3093a600,
      0x33c52400, 0xb0ccf300, 0xbec07900, 0x3dc9ae00, 0x3e9f2c00, 0xbd96fb00,
      0x38322800, 0xbb3bff00, 0xb86d7d00, 0x3b64aa00, 0xcea42900, 0x4dadfe00,
      0x4efb7c00, 0xcdf2ab00, 0x48567800, 0xcb5faf00, 0xc8092d00, 0x4b00fa00,
      0x450c7000, 0xc605a700, 0xc5532500, 0x465af200, 0xc3fe2100, 0x40f7f600,
      0x43a17400, 0xc0a8a300, 0x5fb86000, 0xdcb1b700, 0xdfe73500, 0x5ceee200,
      0xd94a3100, 0x5a43e600, 0x59156400, 0xda1cb300, 0xd4103900, 0x5719ee00,
      0x544f6c00, 0xd746bb00, 0x52e26800, 0xd1ebbf00, 0xd2bd3d00, 0x51b4ea00,
      0x6ad04000, 0xe9d99700, 0xea8f1500, 0x6986c200, 0xec221100, 0x6f2bc600,
      0x6c7d4400, 0xef749300, 0xe1781900, 0x6271ce00, 0x61274c00, 0xe22e9b00,
      0x678a4800, 0xe4839f00, 0xe7d51d00, 0x64dcca00, 0xfbcc0900, 0x78c5de00,
      0x7b935c00, 0xf89a8b00, 0x7d3e5800, 0xfe378f00, 0xfd610d00, 0x7e68da00,
      0x70645000, 0xf36d8700, 0xf03b0500, 0x7332d200, 0xf6960100, 0x759fd600,
      0x76c95400, 0xf5c08300, 0x1b04a900, 0x980d7e00, 0x9b5bfc00, 0x18522b00,
      0x9df6f800, 0x1eff2f00, 0x1da9ad00, 0x9ea07a00, 0x90acf000, 0x13a52700,
      0x10f3a500, 0x93fa7200, 0x165ea100, 0x95577600, 0x9601f400, 0x15082300,
      0x8a18e000, 0x09113700, 0x0a47b500, 0x894e6200, 0x0ceab100, 0x8fe36600,
      0x8cb5e400, 0x0fbc3300, 0x01b0b900, 0x82b96e00, 0x81efec00, 0x02e63b00,
      0x8742e800, 0x044b3f00, 0x071dbd00, 0x84146a00, 0xbf70c000, 0x3c791700,
      0x3f2f9500, 0xbc264200, 0x39829100, 0xba8b4600, 0xb9ddc400, 0x3ad41300,
      0x34d89900, 0xb7d14e00, 0xb487cc00, 0x378e1b00, 0xb22ac800, 0x31231f00,
      0x32759d00, 0xb17c4a00, 0x2e6c8900, 0xad655e00, 0xae33dc00, 0x2d3a0b00,
      0xa89ed800, 0x2b970f00, 0x28c18d00, 0xabc85a00, 0xa5c4d000, 0x26cd0700,
      0x259b8500, 0xa6925200, 0x23368100, 0xa03f5600, 0xa369d400, 0x20600300,
      0xd5a08000, 0x56a95700, 0x55ffd500, 0xd6f60200, 0x5352d100, 0xd05b0600,
      0xd30d8400, 0x50045300, 0x5e08d900, 0xdd010e00, 0xde578c00, 0x5d5e5b00,
      0xd8fa8800, 0x5bf35f00, 0x58a5dd00, 0xdbac0a00, 0x44bcc900, 0xc7b51e00,
      0xc4e39c00, 0x47ea4b00, 0xc24e9800, 0x41474f00, 0x4211cd00, 0xc1181a00,
      0xcf149000, 0x4c1d4700, 0x4f4bc500, 0xcc421200, 0x49e6c100, 0xcaef1600,
      0xc9b99400, 0x4ab04300, 0x71d4e900, 0xf2dd3e00, 0xf18bbc00, 0x72826b00,
      0xf726b800, 0x742f6f00, 0x7779ed00, 0xf4703a00, 0xfa7cb000, 0x79756700,
      0x7a23e500, 0xf92a3200, 0x7c8ee100, 0xff873600, 0xfcd1b400, 0x7fd86300,
      0xe0c8a000, 0x63c17700, 0x6097f500, 0xe39e2200, 0x663af100, 0xe5332600,
      0xe665a400, 0x656c7300, 0x6b60f900, 0xe8692e00, 0xeb3fac00, 0x68367b00,
      0xed92a800, 0x6e9b7f00, 0x6dcdfd00, 0xeec42a00
    },
    {
      0x00000000, 0x36095200, 0x6c12a400, 0x5a1bf600, 0xd8254800, 0xee2c1a00,
      0xb437ec00, 0x823ebe00, 0x36066b00, 0x000f3900, 0x5a14cf00, 0x6c1d9d00,
      0xee232300, 0xd82a7100, 0x82318700, 0xb438d500, 0x6c0cd600, 0x5a058400,
      0x001e7200, 0x36172000, 0xb4299e00, 0x8220cc00, 0xd83b3a00, 0xee326800,
      0x5a0abd00, 0x6c03ef00, 0x36181900, 0x00114b00, 0x822ff500, 0xb426a700,
      0xee3d5100, 0xd8340300, 0xd819ac00, 0xee10fe00, 0xb40b0800, 0x82025a00,
      0x003ce400, 0x3635b600, 0x6c2e4000, 0x5a271200, 0xee1fc700, 0xd8169500,
      0x820d6300, 0xb4043100, 0x363a8f00, 0x0033dd00, 0x5a282b00, 0x6c217900,
      0xb4157a00, 0x821c2800, 0xd807de00, 0xee0e8c00, 0x6c303200, 0x5a396000,
      0x00229600, 0x362bc400, 0x82131100, 0xb41a4300, 0xee01b500, 0xd808e700,
      0x5a365900, 0x6c3f0b00, 0x3624fd00, 0x002daf00, 0x367fa300, 0x0076f100,
      0x5a6d0700, 0x6c645500, 0xee5aeb00, 0xd853b900, 0x82484f00, 0xb4411d00,
      0x0079c800, 0x36709a00, 0x6c6b6c00, 0x5a623e00, 0xd85c8000, 0xee55d200,
      0xb44e2400, 0x82477600, 0x5a737500, 0x6c7a2700, 0x3661d100, 0x00688300,
      0x82563d00, 0xb45f6f00, 0xee449900, 0xd84dcb00, 0x6c751e00, 0x5a7c4c00,
      0x0067ba00, 0x366ee800, 0xb4505600, 0x82590400, 0xd842f200, 0xee4ba000,
      0xee660f00, 0xd86f5d00, 0x8274ab00, 0xb47df900, 0x36434700, 0x004a1500,
      0x5a51e300, 0x6c58b100, 0xd8606400, 0xee693600, 0xb472c000, 0x827b9200,
      0x00452c00, 0x364c7e00, 0x6c578800, 0x5a5eda00, 0x826ad900, 0xb4638b00,
      0xee787d00, 0xd8712f00, 0x5a4f9100, 0x6c46c300, 0x365d3500, 0x00546700,
      0xb46cb200, 0x8265e000, 0xd87e1600, 0xee774400, 0x6c49fa00, 0x5a40a800,
      0x005b5e00, 0x36520c00, 0x6cff4600, 0x5af61400, 0x00ede200, 0x36e4b000,
      0xb4da0e00, 0x82d35c00, 0xd8c8aa00, 0xeec1f800, 0x5af92d00, 0x6cf07f00,
      0x36eb8900, 0x00e2db00, 0x82dc6500, 0xb4d53700, 0xeecec100, 0xd8c79300,
      0x00f39000, 0x36fac200, 0x6ce13400, 0x5ae86600, 0xd8d6d800, 0xeedf8a00,
      0xb4c47c00, 0x82cd2e00, 0x36f5fb00, 0x00fca900, 0x5ae75f00, 0x6cee0d00,
      0xeed0b300, 0xd8d9e100, 0x82c21700, 0xb4cb4500, 0xb4e6ea00, 0x82efb800,
      0xd8f44e00, 0xeefd1c00, 0x6cc3a200, 0x5acaf000, 0x00d10600, 0x36d85400,
      0x82e08100, 0xb4e9d300, 0xeef22500, 0xd8fb7700, 0x5ac5c900, 0x6ccc9b00,
      0x36d76d00, 0x00de3f00, 0xd8ea3c00, 0xeee36e00, 0xb4f89800, 0x82f1ca00,
      0x00cf7400, 0x36c62600, 0x6cddd000, 0x5ad48200, 0xeeec5700, 0xd8e50500,
      0x82fef300, 0xb4f7a100, 0x36c91f00, 0x00c04d00, 0x5adbbb00, 0x6cd2e900,
      0x5a80e500, 0x6c89b700, 0x36924100, 0x009b1300, 0x82a5ad00, 0xb4acff00,
      0xeeb70900, 0xd8be5b00, 0x6c868e00, 0x5a8fdc00, 0x00942a00, 0x369d7800,
      0xb4a3c600, 0x82aa9400, 0xd8b16200, 0xeeb83000, 0x368c3300, 0x00856100,
      0x5a9e9700, 0x6c97c500, 0xeea97b00, 0xd8a02900, 0x82bbdf00, 0xb4b28d00,
      0x008a5800, 0x36830a00, 0x6c98fc00, 0x5a91ae00, 0xd8af1000, 0xeea64200,
      0xb4bdb400, 0x82b4e600, 0x82994900, 0xb4901b00, 0xee8bed00, 0xd882bf00,
      0x5abc0100, 0x6cb55300, 0x36aea500, 0x00a7f700, 0xb49f2200, 0x82967000,
      0xd88d8600, 0xee84d400, 0x6cba6a00, 0x5ab33800, 0x00a8ce00, 0x36a19c00,
      0xee959f00, 0xd89ccd00, 0x82873b00, 0xb48e6900, 0x36b0d700, 0x00b98500,
      0x5aa27300, 0x6cab2100, 0xd893f400, 0xee9aa600, 0xb4815000, 0x82880200,
      0x00b6bc00, 0x36bfee00, 0x6ca41800, 0x5aad4a00
    }
  };

/* Built once (build_tables): CRC_HI[k] continues crc_table to k + 4
 * further zero bytes (slicing-by-8); ENC2 maps 12 bits to two base64
 * characters in memory order; DEC_SHIFT[k][c] is c's 6-bit value
 * already shifted into place for position k of a group, or BAD_BITS
 * for anything that is not base64, so a group is four lookups ORed
 * and one test.  */
#define BAD_BITS 0xff000000u
static uint32_t crc_hi[4][256];
static uint16_t enc2[4096];
static uint32_t dec_shift[4][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

#ifdef USE_CLMUL
/* Carry-less multiplication folds 16 bytes per step (~7 GB/s against
 * ~1.3 GB/s for slicing-by-8, which made the CRC the largest cost of
 * armored decryption).  FOLD_HI, FOLD_LO: x^192 and x^128 mod P.  */
static int have_clmul;
static uint64_t fold_hi, fold_lo;

/* x^N mod P, P the CRC-24 polynomial 0x1864CFB.  */
static uint64_t
xpow_mod (unsigned int n)
{
  uint32_t r = 1;

  while (n--)
    if ((r <<= 1) & 0x1000000)
      r ^= 0x1864cfb;
  return r;
}
#endif

static void
build_tables (void)
{
  unsigned int i, k;

  for (k = 0; k < 4; k++)
    for (i = 0; i < 256; i++)
      {
        uint32_t prev = k ? crc_hi[k - 1][i] : crc_table[3][i];

        crc_hi[k][i] = (prev << 8) ^ crc_table[0][prev >> 24];
      }
  for (i = 0; i < 4096; i++)
    {
      unsigned char two[2];

      two[0] = b64chars[i >> 6];
      two[1] = b64chars[i & 63];
      memcpy (&enc2[i], two, 2);
    }
  for (k = 0; k < 4; k++)
    for (i = 0; i < 256; i++)
      dec_shift[k][i] = dtab[i] < 64 ? (uint32_t)dtab[i] << (18 - 6 * k)
        : BAD_BITS;
#ifdef USE_CLMUL
  __builtin_cpu_init ();
  have_clmul = __builtin_cpu_supports ("pclmul")
               && __builtin_cpu_supports ("ssse3");
  fold_hi = xpow_mod (192);
  fold_lo = xpow_mod (128);
#endif
}

static void
init_tables (void)
{
  pthread_once (&tables_once, build_tables);
}

/* CRC-24 over LEN bytes at P, table-driven (slicing-by-8).  */
static unsigned int
crc24_tables (unsigned int crc, const unsigned char *p, size_t len)
{
  uint32_t c = (uint32_t)(crc & 0xffffff) << 8;

  for (; len >= 8; len -= 8, p += 8)
    {
      c ^= ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16)
           | ((uint32_t)p[2] << 8) | p[3];
      c = (crc_hi[3][c >> 24] ^ crc_hi[2][(c >> 16) & 0xff]
           ^ crc_hi[1][(c >> 8) & 0xff] ^ crc_hi[0][c & 0xff]
           ^ crc_table[3][p[4]] ^ crc_table[2][p[5]]
           ^ crc_table[1][p[6]] ^ crc_table[0][p[7]]);
    }
  for (; len >= 4; len -= 4, p += 4)
    {
      c ^= ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16)
           | ((uint32_t)p[2] << 8) | p[3];
      c = (crc_table[3][c >> 24] ^ crc_table[2][(c >> 16) & 0xff]
           ^ crc_table[1][(c >> 8) & 0xff] ^ crc_table[0][c & 0xff]);
    }
  for (; len; len--, p++)
    c = (c << 8) ^ crc_table[0][(c >> 24) ^ *p];
  return c >> 8;
}

#ifdef USE_CLMUL
/* CRC-24 over NBLOCKS >= 1 blocks of 16 bytes at P.  The CRC register
 * is XORed into the first bytes (the CRC of a message equals the CRC
 * from 0 of the message with the register added at its front); the
 * running 128-bit remainder R (byte-reversed so that bit 127 is the
 * first bit) becomes R * x^128 + next block, reduced as R_hi *
 * (x^192 mod P) + R_lo * (x^128 mod P); the last R goes through the
 * tables.  */
__attribute__ ((target ("pclmul,ssse3")))
static unsigned int
crc24_clmul (unsigned int crc, const unsigned char *p, size_t nblocks)
{
  const __m128i rev = _mm_set_epi8 (0, 1, 2, 3, 4, 5, 6, 7,
                                    8, 9, 10, 11, 12, 13, 14, 15);
  const __m128i k = _mm_set_epi64x ((long long) fold_hi,
                                    (long long) fold_lo);
  unsigned char block[16];
  __m128i r;

  memcpy (block, p, 16);
  block[0] ^= (crc >> 16) & 0xff;
  block[1] ^= (crc >> 8) & 0xff;
  block[2] ^= crc & 0xff;
  r = _mm_shuffle_epi8 (_mm_loadu_si128 ((const __m128i *) block), rev);
  for (p += 16; --nblocks; p += 16)
    r = _mm_xor_si128
      (_mm_shuffle_epi8 (_mm_loadu_si128 ((const __m128i *) p), rev),
       _mm_xor_si128 (_mm_clmulepi64_si128 (r, k, 0x11),
                      _mm_clmulepi64_si128 (r, k, 0x00)));
  _mm_storeu_si128 ((__m128i *) block, _mm_shuffle_epi8 (r, rev));
  return crc24_tables (0, block, 16);
}
#endif

unsigned int
armor_crc24 (unsigned int crc, const void *buf, size_t len)
{
  const unsigned char *p = buf;

  init_tables ();
#ifdef USE_CLMUL
  if (have_clmul && len >= 64)
    {
      crc = crc24_clmul (crc, p, len / 16);
      p += len / 16 * 16;
      len %= 16;
    }
#endif
  return crc24_tables (crc, p, len);
}

const char *
armor_type_label (enum armor_type type)
{
  switch (type)
    {
    case ARMOR_MESSAGE:   return "PGP MESSAGE";
    case ARMOR_SIGNATURE: return "PGP SIGNATURE";
    case ARMOR_PUBKEY:    return "PGP PUBLIC KEY BLOCK";
    case ARMOR_SECKEY:    return "PGP PRIVATE KEY BLOCK";
    case ARMOR_CLEARTEXT: return "PGP SIGNED MESSAGE";
    case ARMOR_NONE:      break;
    }
  return NULL;
}


/*
 * Encoder.
 */

struct armor_encoder
{
  enum armor_type type;
  unsigned int started:1;
  unsigned int finished:1;
  unsigned char pend[3];      /* Input not yet a full group.  */
  unsigned int npend;
  unsigned int col;           /* Characters on the current line.  */
  unsigned int crc;
};

gpg_error_t
armor_encoder_new (armor_encoder_t *r_enc, enum armor_type type)
{
  *r_enc = NULL;
  if (type == ARMOR_NONE || type == ARMOR_CLEARTEXT || !armor_type_label (type))
    return gpg_error (GPG_ERR_INV_VALUE);
  init_tables ();
  *r_enc = calloc (1, sizeof **r_enc);
  if (!*r_enc)
    return gpg_error_from_syserror ();
  (*r_enc)->type = type;
  (*r_enc)->crc = ARMOR_CRC_INIT;
  return 0;
}

void
armor_encoder_release (armor_encoder_t enc)
{
  free (enc);
}

size_t
armor_encode_bound (size_t inlen)
{
  size_t groups = inlen / 3 + 1;

  /* BEGIN line and blank line, groups, a line end per 16 groups.  */
  return 64 + groups * 4 + groups / 16 + 2;
}

static char *
put_str (char *o, const char *s)
{
  size_t n = strlen (s);

  memcpy (o, s, n);
  return o + n;
}

static char *
put_group (char *o, const unsigned char *s)
{
  uint32_t w = ((uint32_t)s[0] << 16) | ((uint32_t)s[1] << 8) | s[2];

  memcpy (o, &enc2[w >> 12], 2);
  memcpy (o + 2, &enc2[w & 0xfff], 2);
  return o + 4;
}

gpg_error_t
armor_encode (armor_encoder_t enc, const void *in, size_t inlen,
              void *out, size_t *r_outlen)
{
  const unsigned char *p = in;
  char *o = out;

  *r_outlen = 0;
  if (enc->finished)
    return gpg_error (GPG_ERR_INV_STATE);
  if (!enc->started)
    {
      o = put_str (o, "-----BEGIN ");
      o = put_str (o, armor_type_label (enc->type));
      o = put_str (o, "-----\n\n");
      enc->started = 1;
    }
  enc->crc = armor_crc24 (enc->crc, p, inlen);

  /* Complete a pending group.  */
  while (enc->npend && inlen)
    {
      enc->pend[enc->npend++] = *p++;
      inlen--;
      if (enc->npend == 3)
        {
          o = put_group (o, enc->pend);
          enc->npend = 0;
          if ((enc->col += 4) == LINE_CHARS)
            {
              *o++ = '\n';
              enc->col = 0;
            }
        }
    }
  /* Up to the end of a started line.  */
  while (enc->col && inlen >= 3)
    {
      o = put_group (o, p);
      p += 3;
      inlen -= 3;
      if ((enc->col += 4) == LINE_CHARS)
        {
          *o++ = '\n';
          enc->col = 0;
        }
    }
  /* Whole lines: 48 bytes in, 64 characters and LF out, written
   * straight into OUT.  */
  while (inlen >= 48)
    {
      int i;

      for (i = 0; i < 48; i += 6)
        {
          uint32_t a = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8)
            | p[i + 2];
          uint32_t b = ((uint32_t)p[i + 3] << 16) | ((uint32_t)p[i + 4] << 8)
            | p[i + 5];

          memcpy (o, &enc2[a >> 12], 2);
          memcpy (o + 2, &enc2[a & 0xfff], 2);
          memcpy (o + 4, &enc2[b >> 12], 2);
          memcpy (o + 6, &enc2[b & 0xfff], 2);
          o += 8;
        }
      *o++ = '\n';
      p += 48;
      inlen -= 48;
    }
  while (inlen >= 3)
    {
      o = put_group (o, p);
      p += 3;
      inlen -= 3;
      enc->col += 4;   /* Less than a line here.  */
    }
  while (inlen--)
    enc->pend[enc->npend++] = *p++;

  *r_outlen = o - (char *)out;
  return 0;
}

gpg_error_t
armor_encode_finish (armor_encoder_t enc, void *out, size_t *r_outlen)
{
  gpg_error_t err;
  char *o = out;
  size_t n;
  unsigned char c[3];

  *r_outlen = 0;
  if (enc->finished)
    return gpg_error (GPG_ERR_INV_STATE);
  if (!enc->started)
    {
      /* Empty input: the header still.  */
      err = armor_encode (enc, "", 0, out, &n);
      if (err)
        return err;
      o += n;
    }
  if (enc->npend)
    {
      memset (c, 0, sizeof c);
      memcpy (c, enc->pend, enc->npend);
      put_group (o, c);
      if (enc->npend == 1)
        o[2] = '=';
      o[3] = '=';
      o += 4;
      enc->col += 4;
    }
  if (enc->col)
    *o++ = '\n';
  *o++ = '=';
  c[0] = enc->crc >> 16;
  c[1] = enc->crc >> 8;
  c[2] = enc->crc;
  o = put_group (o, c);
  o = put_str (o, "\n-----END ");
  o = put_str (o, armor_type_label (enc->type));
  o = put_str (o, "-----\n");
  enc->finished = 1;
  *r_outlen = o - (char *)out;
  return 0;
}


/*
 * Decoder.
 */

enum dstate
  {
    D_LEADING,     /* Text before the BEGIN line.  */
    D_HEADERS,     /* Armor headers up to the blank line.  */
    D_BODY,
    D_DONE         /* After the END line.  */
  };

enum hstate { H_START, H_BLANK, H_KEY, H_VALUE };

enum lkind
  {
    L_DATA,        /* Base64 (or blank) line.  */
    L_CRC,         /* "=XXXX", collected in LINE.  */
    L_END          /* "-----END ...", collected in LINE.  */
  };

struct armor_decoder
{
  enum dstate state;
  enum armor_type type;
  gpg_error_t err;              /* Sticky.  */
  unsigned long long count;     /* Bytes in the current state.  */
  unsigned long long trailing;  /* After the END line.  */
  char line[LINEBUF];
  size_t linelen;
  unsigned int line_skip:1;     /* Too long to be a BEGIN line.  */
  enum hstate hstate;
  enum lkind kind;
  size_t col;                   /* Characters on the body line.  */
  uint32_t acc;                 /* Bits of an incomplete group ...  */
  unsigned int nacc;            /* ... from this many characters.  */
  unsigned int npad;            /* '=' seen in the group.  */
  unsigned int data_end:1;      /* Padding or checksum closed the data.  */
  unsigned int have_crc:1;
  uint32_t crc_given;
  unsigned int crc;
  unsigned long long lines;     /* Line ends consumed.  */
  const char *why;              /* What ERR is about, or NULL.  */
};

/* Fail with CODE and say why (armor_decoder_reason).  */
static gpg_error_t
fail (armor_decoder_t dec, gpg_err_code_t code, const char *why)
{
  dec->why = why;
  return gpg_error (code);
}

gpg_error_t
armor_decoder_new (armor_decoder_t *r_dec)
{
  init_tables ();
  *r_dec = calloc (1, sizeof **r_dec);
  if (!*r_dec)
    return gpg_error_from_syserror ();
  (*r_dec)->crc = ARMOR_CRC_INIT;
  return 0;
}

void
armor_decoder_release (armor_decoder_t dec)
{
  free (dec);
}

size_t
armor_decode_bound (size_t inlen)
{
  /* Three bytes per four characters, plus a group carried over.  */
  return (inlen / 4 + 1) * 3;
}

enum armor_type
armor_decoder_type (armor_decoder_t dec)
{
  return dec->type;
}

int
armor_decoder_had_checksum (armor_decoder_t dec)
{
  return dec->have_crc;
}

unsigned long long
armor_decoder_trailing (armor_decoder_t dec)
{
  return dec->trailing;
}

const char *
armor_decoder_reason (armor_decoder_t dec)
{
  return dec->err && dec->why ? dec->why : NULL;
}

unsigned long long
armor_decoder_line (armor_decoder_t dec)
{
  return dec->lines + 1;
}

/* LINE without trailing spaces, tabs and CR.  */
static size_t
trimmed_len (const char *line, size_t len)
{
  while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'
                 || line[len - 1] == '\r'))
    len--;
  return len;
}

/* "-----BEGIN PGP ...-----" or "-----END PGP ...-----" with the label
 * between KW and the dashes; *R_TYPE for a label we know.  */
static int
parse_armor_line (const char *line, size_t len, const char *kw,
                  enum armor_type *r_type)
{
  size_t kwlen = strlen (kw);
  const char *label;
  size_t lablen;
  enum armor_type t;

  len = trimmed_len (line, len);
  if (len < kwlen + 5 || memcmp (line, kw, kwlen)
      || memcmp (line + len - 5, "-----", 5))
    return -1;
  label = line + kwlen;
  lablen = len - kwlen - 5;
  *r_type = ARMOR_NONE;
  for (t = ARMOR_MESSAGE; t <= ARMOR_CLEARTEXT; t++)
    {
      const char *s = armor_type_label (t);

      if (s && strlen (s) == lablen && !memcmp (s, label, lablen))
        *r_type = t;
    }
  return 0;
}

/* A line before the BEGIN line ended.  */
static gpg_error_t
leading_line (armor_decoder_t dec)
{
  enum armor_type t;

  if (dec->line_skip
      || parse_armor_line (dec->line, dec->linelen, "-----BEGIN ", &t))
    return 0;   /* Just text.  */
  if (t == ARMOR_NONE)
    {
      /* "PGP MESSAGE, PART 1/2" is valid armor we do not do.  */
      if (dec->linelen >= 11 + 18
          && !memcmp (dec->line + 11, "PGP MESSAGE, PART ", 18))
        return fail (dec, GPG_ERR_NOT_SUPPORTED, "multi-part armor"
                     " (PGP MESSAGE, PART x/y) is not supported");
      if (dec->linelen > 15 && !memcmp (dec->line + 11, "PGP ", 4))
        return fail (dec, GPG_ERR_INV_ARMOR, "unknown label on the BEGIN"
                     " line");
      return 0;  /* "-----BEGIN CERTIFICATE-----" and the like: text.  */
    }
  dec->type = t;
  if (t == ARMOR_CLEARTEXT)
    return fail (dec, GPG_ERR_NOT_SUPPORTED, "a cleartext-signed message"
                 " (BEGIN PGP SIGNED MESSAGE) is text, not armored data");
  dec->state = D_HEADERS;
  dec->hstate = H_START;
  dec->count = 0;
  return 0;
}

static gpg_error_t
decode_leading (armor_decoder_t dec, const unsigned char **pp,
                const unsigned char *end)
{
  gpg_error_t err;
  const unsigned char *p = *pp;

  while (p < end && dec->state == D_LEADING)
    {
      int c = *p++;

      if (++dec->count > ARMOR_MAX_LEADING)
        {
          err = fail (dec, GPG_ERR_NO_DATA, "no armor BEGIN line in the"
                      " first 64 KiB");
          goto leave;
        }
      if (c == '\n')
        {
          err = leading_line (dec);
          if (err)
            goto leave;
          dec->lines++;
          dec->linelen = 0;
          dec->line_skip = 0;
        }
      else if (dec->linelen < LINEBUF)
        dec->line[dec->linelen++] = c;
      else
        dec->line_skip = 1;
    }
  err = 0;

 leave:
  *pp = p;
  return err;
}

static int
is_keychar (int c)
{
  return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9') || c == '-');
}

/* Armor headers: "Key: value" lines, then an empty (or white) line.  */
static gpg_error_t
decode_headers (armor_decoder_t dec, const unsigned char **pp,
                const unsigned char *end)
{
  gpg_error_t err = 0;
  const unsigned char *p = *pp;

  while (p < end && dec->state == D_HEADERS)
    {
      int c = *p++;
      int space = (c == ' ' || c == '\t' || c == '\r');

      if (++dec->count > ARMOR_MAX_HEADERS)
        {
          err = fail (dec, GPG_ERR_INV_ARMOR, "armor headers longer than"
                      " 64 KiB");
          break;
        }
      if (c == '\n')
        {
          if (dec->hstate == H_KEY)
            {
              err = fail (dec, GPG_ERR_INV_ARMOR, "an armor header line"
                          " without ':'");
              break;
            }
          dec->lines++;
          if (dec->hstate == H_START || dec->hstate == H_BLANK)
            {
              dec->state = D_BODY;
              dec->kind = L_DATA;
              dec->col = 0;
              dec->count = 0;
            }
          dec->hstate = H_START;
          continue;
        }
      switch (dec->hstate)
        {
        case H_START:
        case H_BLANK:
          if (space)
            dec->hstate = H_BLANK;
          else if (dec->hstate == H_START && is_keychar (c))
            dec->hstate = H_KEY;
          else
            err = fail (dec, GPG_ERR_INV_ARMOR, "a bad armor header line"
                        " (or no blank line after the BEGIN line)");
          break;
        case H_KEY:
          if (c == ':')
            dec->hstate = H_VALUE;
          else if (!is_keychar (c))
            err = fail (dec, GPG_ERR_INV_ARMOR, "a bad character in an"
                        " armor header key");
          break;
        case H_VALUE:
          break;
        }
      if (err)
        break;
    }
  *pp = p;
  return err;
}

/* Write the bytes of an incomplete group (2 or 3 characters).  */
static unsigned char *
flush_partial (armor_decoder_t dec, unsigned char *o)
{
  if (dec->nacc == 2)
    *o++ = dec->acc >> 4;
  else if (dec->nacc == 3)
    {
      *o++ = dec->acc >> 10;
      *o++ = dec->acc >> 2;
    }
  dec->nacc = 0;
  dec->acc = 0;
  return o;
}

/* The checksum line "=XXXX" ended.  */
static gpg_error_t
crc_line (armor_decoder_t dec)
{
  size_t len = trimmed_len (dec->line, dec->linelen);
  uint32_t v = 0;
  size_t i;

  if (len != 5 || dec->have_crc)
    return fail (dec, GPG_ERR_INV_ARMOR, dec->have_crc
                 ? "a second checksum line" : "a malformed checksum line");
  for (i = 1; i < 5; i++)
    {
      unsigned char d = dtab[(unsigned char)dec->line[i]];

      if (d > 63)
        return fail (dec, GPG_ERR_INV_ARMOR, "a malformed checksum line");
      v = (v << 6) | d;
    }
  dec->crc_given = v;
  dec->have_crc = 1;
  dec->data_end = 1;
  return 0;
}

/* The END line ended: check label and checksum.  CRC_FROM..O is
 * output not yet in the CRC.  */
static gpg_error_t
end_line (armor_decoder_t dec, const unsigned char *crc_from,
          const unsigned char *o)
{
  enum armor_type t;

  if (parse_armor_line (dec->line, dec->linelen, "-----END ", &t))
    return fail (dec, GPG_ERR_INV_ARMOR, "a malformed END line");
  if (t != dec->type)
    return fail (dec, GPG_ERR_INV_ARMOR, "the END line's label differs"
                 " from the BEGIN line's");
  if (o != crc_from)
    dec->crc = armor_crc24 (dec->crc, crc_from, o - crc_from);
  if (dec->have_crc && dec->crc_given != dec->crc)
    return fail (dec, GPG_ERR_CHECKSUM, "CRC-24 checksum mismatch (the"
                 " armored data was altered or damaged)");
  dec->state = D_DONE;
  return 0;
}

static gpg_error_t
decode_body (armor_decoder_t dec, const unsigned char **pp,
             const unsigned char *end, unsigned char **po)
{
  gpg_error_t err = 0;
  const unsigned char *p = *pp;
  unsigned char *o = *po;
  const unsigned char *crc_from = o;

  while (p < end)
    {
      unsigned int d;
      int c;

      /* Fastest path: whole 64-character lines ending in LF or CRLF,
       * as every encoder writes them.  Any surprise (a bad character,
       * '=', a short line) leaves P alone for the checked paths.  */
      if (dec->kind == L_DATA && !dec->nacc && !dec->data_end && !dec->col)
        {
          while (end - p >= 66 || (end - p == 65 && p[64] == '\n'))
            {
              uint32_t bad = 0;
              size_t eol;
              int i;

              if (p[64] == '\n')
                eol = 1;
              else if (p[64] == '\r' && p[65] == '\n')
                eol = 2;
              else
                break;
              /* Written before the check: not counted unless good.  */
              for (i = 0; i < 16; i++)
                {
                  uint32_t w = (dec_shift[0][p[4 * i]]
                                | dec_shift[1][p[4 * i + 1]]
                                | dec_shift[2][p[4 * i + 2]]
                                | dec_shift[3][p[4 * i + 3]]);

                  bad |= w;
                  o[3 * i] = w >> 16;
                  o[3 * i + 1] = w >> 8;
                  o[3 * i + 2] = w;
                }
              if (bad & BAD_BITS)
                break;
              o += 48;
              p += 64 + eol;
              dec->lines++;
            }
          if (p == end)
            break;
        }
      /* Hot path: whole groups of base64 within the line limit.  */
      if (dec->kind == L_DATA && !dec->nacc && !dec->data_end)
        {
          size_t room = ARMOR_MAX_LINE - dec->col;
          size_t n = (size_t)(end - p) < room ? (size_t)(end - p) : room;
          const unsigned char *lim = p + (n & ~(size_t)3);
          const unsigned char *start = p;

          while (p < lim)
            {
              unsigned int a = dtab[p[0]], b = dtab[p[1]];
              unsigned int e = dtab[p[2]], f = dtab[p[3]];
              uint32_t w;

              if ((a | b | e | f) & 0xc0)
                break;
              w = (a << 18) | (b << 12) | (e << 6) | f;
              o[0] = w >> 16;
              o[1] = w >> 8;
              o[2] = w;
              o += 3;
              p += 4;
            }
          dec->col += p - start;
          if (p == end)
            break;
        }

      c = *p++;
      d = dtab[c];
      if (dec->kind != L_DATA && c != '\n')
        {
          if (dec->linelen >= LINEBUF)
            {
              err = fail (dec, GPG_ERR_INV_ARMOR, "an overlong checksum or"
                          " END line");
              break;
            }
          dec->line[dec->linelen++] = c;
          continue;
        }
      if (c == '\n')
        {
          if (dec->kind == L_CRC)
            err = crc_line (dec);
          else if (dec->kind == L_END)
            {
              err = end_line (dec, crc_from, o);
              crc_from = o;
              if (!err)
                {
                  dec->lines++;
                  dec->trailing = end - p;
                  p = end;
                }
              break;
            }
          if (err)
            break;
          dec->lines++;
          dec->kind = L_DATA;
          dec->col = 0;
          continue;
        }
      if (++dec->col > ARMOR_MAX_LINE)
        {
          err = fail (dec, GPG_ERR_INV_ARMOR, "a line longer than 96"
                      " characters");
          break;
        }
      if (d < 64)
        {
          if (dec->data_end || dec->npad)
            {
              err = fail (dec, GPG_ERR_INV_ARMOR, "base64 data after the"
                          " padding or the checksum");
              break;
            }
          dec->acc = (dec->acc << 6) | d;
          if (++dec->nacc == 4)
            {
              o[0] = dec->acc >> 16;
              o[1] = dec->acc >> 8;
              o[2] = dec->acc;
              o += 3;
              dec->nacc = 0;
              dec->acc = 0;
            }
          continue;
        }
      switch (d)
        {
        case C_SPACE:
          break;
        case C_PAD:
          if (dec->col == 1 && !dec->nacc)
            {
              /* "=" opening a line with no group pending: checksum.  */
              dec->kind = L_CRC;
              dec->line[0] = c;
              dec->linelen = 1;
            }
          else if (dec->nacc < 2 || dec->data_end)
            err = fail (dec, GPG_ERR_INV_ARMOR, "misplaced '=' padding");
          else if (dec->nacc + ++dec->npad == 4)
            {
              o = flush_partial (dec, o);
              dec->data_end = 1;
            }
          break;
        case C_DASH:
          /* The END line.  It also ends the data: lenient about
           * missing padding, never about a lone character.  */
          if (dec->col != 1)
            err = fail (dec, GPG_ERR_INV_ARMOR, "a '-' inside a base64"
                        " line");
          else if (dec->nacc == 1)
            err = fail (dec, GPG_ERR_INV_ARMOR, "a lone base64 character"
                        " before the END line");
          else
            {
              o = flush_partial (dec, o);
              dec->data_end = 1;
              dec->kind = L_END;
              dec->line[0] = c;
              dec->linelen = 1;
            }
          break;
        default:
          err = fail (dec, GPG_ERR_INV_ARMOR, "a character that is not"
                      " base64");
          break;
        }
      if (err)
        break;
    }

  if (o != crc_from)
    dec->crc = armor_crc24 (dec->crc, crc_from, o - crc_from);
  *pp = p;
  *po = o;
  return err;
}

gpg_error_t
armor_decode (armor_decoder_t dec, const void *in, size_t inlen,
              void *out, size_t *r_outlen)
{
  gpg_error_t err = dec->err;
  const unsigned char *p = in;
  const unsigned char *end = p + inlen;
  unsigned char *o = out;

  if (err)
    goto leave;
  if (dec->state == D_LEADING)
    err = decode_leading (dec, &p, end);
  if (!err && dec->state == D_HEADERS)
    err = decode_headers (dec, &p, end);
  if (!err && dec->state == D_BODY)
    err = decode_body (dec, &p, end, &o);
  if (!err && dec->state == D_DONE)
    dec->trailing += end - p;

 leave:
  dec->err = err;
  *r_outlen = o - (unsigned char *)out;
  return err;
}

gpg_error_t
armor_decode_finish (armor_decoder_t dec)
{
  if (dec->err)
    return dec->err;
  if (dec->state == D_DONE)
    return 0;
  if (dec->state == D_LEADING)
    {
      /* A BEGIN line without a line end ends the input: truncated.  */
      enum armor_type t;

      if (!dec->line_skip
          && !parse_armor_line (dec->line, dec->linelen, "-----BEGIN ", &t)
          && t != ARMOR_NONE)
        dec->err = fail (dec, GPG_ERR_TRUNCATED, "the input ends in the"
                         " BEGIN line");
      else
        dec->err = fail (dec, GPG_ERR_NO_DATA, "no armor BEGIN line");
      return dec->err;
    }
  if (dec->state == D_BODY && dec->kind == L_END)
    {
      /* The END line lacks only its line end.  */
      dec->err = end_line (dec, NULL, NULL);
      return dec->err;
    }
  dec->err = fail (dec, GPG_ERR_TRUNCATED, "the input ends before the END"
                   " line");
  return dec->err;
}
