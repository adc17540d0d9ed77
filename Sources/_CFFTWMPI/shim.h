#pragma once
// FFTW's MPI interface (it includes <mpi.h> and <fftw3.h>). Only NablaMPI/FFTWMPI.swift uses this module.
#include <fftw3-mpi.h>
