/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_SHRINKER_H
#define _SCAV_SHRINKER_H

int scav_shrinker_init(void);
void scav_shrinker_exit(void);

#endif /* _SCAV_SHRINKER_H */
