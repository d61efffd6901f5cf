// SPDX-License-Identifier: GPL-2.0-or-later
module gocheck

go 1.19
