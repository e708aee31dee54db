/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_AGING_H
#define _SCAV_AGING_H

void scav_aging_kick(void);
int scav_aging_init(void);
void scav_aging_exit(void);

#endif /* _SCAV_AGING_H */
