/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_SYSFS_H
#define _SCAV_SYSFS_H

int scav_sysfs_init(void);
void scav_sysfs_exit(void);

#endif /* _SCAV_SYSFS_H */
