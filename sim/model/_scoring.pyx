# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled casualty scoring: placing a zone's people near impacts, and scoring them.

The same steps as the numpy code of ``sim.model.effects`` (``_people_within_reach``'s
placement, and the impact loop with ``sim.model.damage``'s rules: ``_spared`` for Carleton,
``_cookie_spared`` for the cookie-cutter), from the same random numbers in the same order,
drawn from the replication's own numpy Generator through its bit generator (numpy's C
interface, ``bitgen_t``), so that ``Generator.random`` would have given the same doubles.
The arithmetic is written in the order numpy performs it, and the module is compiled
without fused multiply-adds (``-ffp-contract=off``), so that positions and counts are those
of the numpy code; ``tests/test_scoring_kernel.py`` checks that they are, draw for draw.
"""

import numpy as np

from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.math cimport exp
from libc.stdint cimport uint32_t, uint64_t
from libc.stdlib cimport free, malloc


# numpy/random/bitgen.h: the layout numpy publishes for its bit generators
ctypedef struct bitgen_t:
    void *state
    uint64_t (*next_uint64)(void *st) noexcept nogil
    uint32_t (*next_uint32)(void *st) noexcept nogil
    double (*next_double)(void *st) noexcept nogil
    uint64_t (*next_raw)(void *st) noexcept nogil


def place_people(
    rng,
    Py_ssize_t m,
    const Py_ssize_t[::1] cells,
    Py_ssize_t ny,
    double x0,
    double y0,
    double cw,
    double ch,
):
    """Positions (px, py) of m people uniform over the kept ``cells`` of a grid of cells
    cw x ch with ny rows from (x0, y0), cell c in column c // ny and row c % ny.

    2m uniforms: the first m pick each person's cell (integer part of u k, for k kept
    cells) and x offset in it (the fraction), the next m the y offset.
    """
    cdef bitgen_t *bitgen = <bitgen_t *> PyCapsule_GetPointer(
        rng.bit_generator.capsule, "BitGenerator"
    )
    px_array = np.empty(m)
    py_array = np.empty(m)
    cdef double[::1] px = px_array
    cdef double[::1] py = py_array
    cdef double k = <double> cells.shape[0]
    cdef double v
    cdef Py_ssize_t j, which, cell
    with rng.bit_generator.lock:
        for j in range(m):
            v = bitgen.next_double(bitgen.state) * k
            which = <Py_ssize_t> v
            cell = cells[which]
            px[j] = x0 + (<double> (cell // ny) + (v - <double> which)) * cw
            py[j] = <double> (cell % ny)  # the row, until its offset is drawn
        for j in range(m):
            py[j] = y0 + (py[j] + bitgen.next_double(bitgen.state)) * ch
    return px_array, py_array


def hurt_in_zone(
    rng,
    const double[::1] px,
    const double[::1] py,
    const double[::1] covered_at,
    const double[:, :] unprotected,
    const double[:, ::1] impacts,
    bint carleton,
):
    """(killed, wounded, tbi) among people at (px, py) from the impacts that reach them.

    ``impacts`` (n, 7) holds each impact's x, y, time, reach and its three squared radii as
    the damage function prepared them (a zero radius is -inf for the cookie-cutter).
    ``covered_at`` (m,) is when each person is under cover (inf: never) and ``unprotected``
    1 - protection per category, (3, 1) shared or (3, m); both None when nobody shelters.
    Each person keeps the most severe outcome over all impacts.
    """
    cdef bitgen_t *bitgen = <bitgen_t *> PyCapsule_GetPointer(
        rng.bit_generator.capsule, "BitGenerator"
    )
    cdef Py_ssize_t m = px.shape[0]
    cdef Py_ssize_t n = impacts.shape[0]
    cdef bint shelter = covered_at is not None and unprotected is not None
    cdef bint shared = shelter and unprotected.shape[1] == 1
    cdef Py_ssize_t i, j, k
    cdef double xi, yi, ti, reach2, s0, s1, s2, dx, dy, r2, u, p0, p1, p2
    cdef bint exposed, h0, h1, h2
    cdef int escaped
    cdef long killed = 0, wounded = 0, tbi = 0
    # categories each person is spared over all impacts so far: 3 - worst severity
    cdef signed char *spared = <signed char *> malloc(m * sizeof(signed char))
    if spared == NULL and m > 0:
        raise MemoryError()
    try:
        for j in range(m):
            spared[j] = 3
        with rng.bit_generator.lock:
            for i in range(n):
                xi = impacts[i, 0]
                yi = impacts[i, 1]
                ti = impacts[i, 2]
                reach2 = impacts[i, 3] * impacts[i, 3]
                s0 = impacts[i, 4]
                s1 = impacts[i, 5]
                s2 = impacts[i, 6]
                for j in range(m):
                    dx = px[j] - xi
                    dx = dx * dx
                    dy = py[j] - yi
                    dy = dy * dy
                    r2 = dx + dy
                    if not r2 <= reach2:
                        continue
                    u = bitgen.next_double(bitgen.state)
                    exposed = True
                    k = 0
                    if shelter:
                        exposed = covered_at[j] > ti
                        if not shared:
                            k = j
                    if carleton:
                        p0 = exp(-r2 / s0) if s0 > 0 else 0.0
                        p1 = exp(-r2 / s1) if s1 > 0 else 0.0
                        p2 = exp(-r2 / s2) if s2 > 0 else 0.0
                        if not exposed:
                            p0 = p0 * unprotected[0, k]
                            p1 = p1 * unprotected[1, k]
                            p2 = p2 * unprotected[2, k]
                        if p0 > p1:
                            p1 = p0
                        if p1 > p2:
                            p2 = p1
                        escaped = (u >= p0) + (u >= p1) + (u >= p2)
                    else:
                        h0 = r2 <= s0
                        h1 = r2 <= s1
                        h2 = r2 <= s2
                        if not exposed:
                            h0 = h0 and u < unprotected[0, k]
                            h1 = h1 and u < unprotected[1, k]
                            h2 = h2 and u < unprotected[2, k]
                        h1 = h1 or h0
                        h2 = h2 or h1
                        escaped = 3 - (h0 + h1 + h2)
                    if escaped < spared[j]:
                        spared[j] = escaped
        for j in range(m):
            if spared[j] == 0:
                killed += 1
            elif spared[j] == 1:
                wounded += 1
            elif spared[j] == 2:
                tbi += 1
    finally:
        free(spared)
    return killed, wounded, tbi
