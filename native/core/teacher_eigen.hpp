// Eigenvalues of a general real matrix, for the spectral radius used to scale the teacher's
// recurrent weights (docs/method.md §3). Power iteration is not used: the dominant eigenvalues of a
// random non-symmetric matrix are usually a complex pair (or several of nearly equal modulus), so the
// iteration oscillates instead of converging. Instead: balancing, Householder reduction to upper
// Hessenberg form, then the Francis implicit double-shift QR iteration, which finds all eigenvalues
// (complex ones in conjugate pairs) in O(n^3).
#pragma once
#include <cstddef>
#include <vector>

#include "cancel.hpp"

namespace mimic {

struct Eigenvalues {
  std::vector<double> re, im;  // n each; complex pairs are adjacent, positive imaginary part first
};

// `a` is row-major n x n (a[i*n + j]). Throws std::runtime_error if the QR iteration does not
// converge (30 sweeps per eigenvalue), which does not happen for finite input in practice.
Eigenvalues eigenvalues(std::vector<double> a, std::size_t n, const Control* control = nullptr);

// max |lambda| over the eigenvalues of the row-major n x n matrix.
double spectral_radius(const std::vector<double>& a, std::size_t n, const Control* control = nullptr);

}  // namespace mimic
