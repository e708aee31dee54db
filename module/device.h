/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_DEVICE_H
#define _SCAV_DEVICE_H

int scav_dev_init(void);
void scav_dev_exit(void);

#endif /* _SCAV_DEVICE_H */
