/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SESAME_VERSION_H
#define SESAME_VERSION_H
#define SESAME_VERSION "0.1.0"
#endif
