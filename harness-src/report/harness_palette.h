/* harness_palette.h - one colour per backend, the same in every chart the
 * project draws (report.html; the gnuplot PNGs may read it too), so a
 * reader learns "red is io_uring" once. */
#ifndef HARNESS_PALETTE_H
#define HARNESS_PALETTE_H

/* "#rrggbb" for a backend name; a backend the table does not know gets a
 * grey that depends only on its name (stable from run to run). */
const char *harness_backend_colour(const char *backend);

#endif /* HARNESS_PALETTE_H */
