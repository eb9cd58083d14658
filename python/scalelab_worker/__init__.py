"""scalelab's worker contract for trainers written in Python (docs/execution.md)."""
from .contract import ContractError, check, contract_problems
from .files import atomic_path, write_atomically
from .stop import StopRequest
from .worker import EXIT_BAD_INPUT, EXIT_STOPPED, Worker

__all__ = ["ContractError", "check", "contract_problems", "atomic_path", "write_atomically", "StopRequest",
           "Worker", "EXIT_BAD_INPUT", "EXIT_STOPPED"]
