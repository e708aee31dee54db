/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_DEVICE_H
#define _SCAV_DEVICE_H

/* /dev/scav is char 10:SCAV_MISC_MINOR (device.c says why fixed). */
#define SCAV_MISC_MINOR		249

int scav_dev_init(void);
void scav_dev_exit(void);

#endif /* _SCAV_DEVICE_H */
