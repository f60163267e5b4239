/* One MPI_Allreduce of BYTES bytes among the ranks, timed by SimGrid's SMPI (the simulated clock, one for all ranks):
 * the reference for deplsim's ring all-reduce (tests/cli/smpi_allreduce_test.sh, docs/model.md 4.14). Rank 0 prints
 * the time from the last rank's start (ranks leave the barrier one latency apart) to the last rank's end. The buffers
 * are SMPI-shared (no real memory per rank).
 *   smpirun ... ./allreduce BYTES */
#include <mpi.h>
#include <smpi/smpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const long bytes = argc > 1 ? atol(argv[1]) : 1000000;
  unsigned char* in = SMPI_SHARED_MALLOC((size_t)bytes);
  unsigned char* out = SMPI_SHARED_MALLOC((size_t)bytes);
  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = MPI_Wtime();
  MPI_Allreduce(in, out, (int)bytes, MPI_BYTE, MPI_BOR, MPI_COMM_WORLD);
  const double times[2] = {t0, MPI_Wtime()};
  double last[2] = {0, 0};
  MPI_Reduce(times, last, 2, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  if (rank == 0) printf("%.9f\n", last[1] - last[0]);
  SMPI_SHARED_FREE(in);
  SMPI_SHARED_FREE(out);
  MPI_Finalize();
  return 0;
}
