"""`minigrad coverage`: which of PyTorch's public names minigrad has, read from PyTorch itself.

    minigrad coverage            print the summary table (the figures the README shows)
    minigrad coverage --markdown print the whole inventory, docs/api-coverage.md
    minigrad coverage --write    regenerate docs/api-coverage.md in the repository

For each namespace (torch, torch.Tensor, torch.nn, ...) the public names are taken from the
installed PyTorch by the rules in `PUBLIC_NAMES_RULE`; minigrad has a name when the same path
resolves in minigrad (torch.nn.X -> minigrad.nn.X). A name minigrad does not have is out of
scope when one of the `OUT_OF_SCOPE` patterns matches it (complex numbers, sparse and quantized
tensors, accelerators, TorchScript, ...), and not yet done otherwise. tests/test_api_coverage.py
fails when docs/api-coverage.md and the code disagree.
"""

from __future__ import annotations

import argparse
import importlib
import re
import textwrap
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# (PyTorch's namespace, minigrad's namespace), in the order of the file.
NAMESPACES = (
    ("torch", "minigrad"),
    ("torch.Tensor", "minigrad.Tensor"),
    ("torch.nn", "minigrad.nn"),
    ("torch.nn.functional", "minigrad.nn.functional"),
    ("torch.optim", "minigrad.optim"),
    ("torch.optim.lr_scheduler", "minigrad.optim.lr_scheduler"),
    ("torch.utils.data", "minigrad.utils.data"),
    ("torch.linalg", "minigrad.linalg"),
)

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "api-coverage.md"
COMMAND = "python -m minigrad.cli coverage --write"

PUBLIC_NAMES_RULE = """\
The public names of a namespace are the names in its `dir()` that do not start with `_`,
except:

* submodules (`torch.nn.init`, `torch.linalg`, ...: each deserves its own inventory);
* classes and functions defined outside PyTorch and only imported into it (`typing.Optional`,
  `functools.partial` in `torch.optim.lr_scheduler`, ...);
* classes imported into a submodule from elsewhere in PyTorch (`torch.optim.lr_scheduler.Optimizer`,
  `torch.nn.functional.Tensor`): they are counted where they are defined;
* values that are neither classes nor functions, outside `torch` itself (tables and notes such as
  `torch.nn.functional.tf32_notes`), and in `torch` itself the ones named in capitals (build flags
  such as `torch.TYPE_CHECKING`). `torch`'s dtypes, layouts and constants (`torch.pi`) count.

`torch.Tensor` counts every method and attribute not starting with `_`.
minigrad has a name when the same path resolves in minigrad (`torch.nn.X` -> `minigrad.nn.X`).
A name it does not have is *out of scope* when its name matches one of the rules below, in this
order (the first that matches gives the reason), and *not yet* done otherwise."""

# (reason, pattern): a missing name is out of scope for the first reason whose pattern
# matches the whole name. Everything else missing is "not yet".
OUT_OF_SCOPE: tuple[tuple[str, str], ...] = (
    ("complex numbers",
     r"complex\w*|view_as_(real|complex)\w*|c(float|double|half)|conj\w*|is_conj|resolve_conj"
     r"|polar|imag|H|mH|adjoint"),
    ("sparse tensors",
     r"\w*sparse\w*|\w*(coo|csr|csc|bsr|bsc)\w*|(c?col|c?row)_indices\w*|indices\w*"
     r"|values\w*|coalesce|is_coalesced|to_dense|dense_dim|[dh]?s?smm|spmm|saddmm|sspaddmm|hspmm"),
    ("quantized tensors",
     r"\w*quantiz\w*|q(u)?int\w*|qscheme|q_\w+|per_(tensor|channel)\w*|int_repr|\w*fbgemm\w*"
     r"|choose_qparams\w*|fused_moving_avg_obs_fake_quant|Q\w+Storage"),
    ("low-precision and sub-byte dtypes (bfloat16, float8, int1..int7)",
     r"\w*bfloat16\w*|BFloat16\w*|float8\w*|float4\w*|bit|bits\w+|u?int[1-7]|Scal\w*Type"
     r"|SwizzleType|scaled_\w*mm|grouped_mm"),
    ("accelerators (CUDA, MPS, XPU, ...) and their kernels",
     r"(\w+_)?(cuda|cudnn|miopen|mkldnn|mps|xpu|npu|hpu|mtia|ipu|xla|maia|vulkan)(_\w+|\d+)?"
     r"|accelerator|AcceleratorError|OutOfMemoryError|Stream|Event|record_stream|pin_memory|is_pinned"
     r"|is_meta|get_device|get_device_module"),
    ("mixed precision (autocast, gradient scaling)", r"\w*autocast\w*|GradScaler"),
    ("distributed training and worker processes",
     r"\w*[Dd]istributed\w*|DataParallel|SyncBatchNorm|batch_norm_(backward|elemt|gather|stats"
     r"|update)\w*|share_memory_|is_shared|prepare_multiprocessing_environment|get_worker_info"),
    ("TorchScript, torch.compile, FX, custom operators and other PyTorch internals",
     r"Script\w*|LiteScriptModule|\w*Type|AliasDb|Argument\w*|Block|CallStack|Capsule|Code"
     r"|CompilationUnit|CompleteArgumentSpec|ConcreteModuleType\w*|DeepCopyMemoTable|Dispatch\w*"
     r"|ErrorReport|ExcludeDispatchKeyGuard|ExecutionPlan|FileCheck|FunctionSchema|Future|Gradient"
     r"|Graph|GraphExecutorState|JITException|Node|OperatorInfo|StaticModule|Tag|TracingState|Use"
     r"|Value|import_ir_module\w*|parse_(ir|schema|type_comment)|merge_type_from_type_comment"
     r"|unify_type_list|fork|wait|compile|cond|while_loop|Sym\w+|sym_\w+|BroadcastingList\d"
     r"|boolean_dispatch|assert_int_or_pair|DisableTorchFunction\w*|\w*has_torch_function\w*"
     r"|handle_torch_function|unsafe_\w+|slice_inverse|ThroughputBenchmark"
     r"|Benchmark\w*|\w*Logger\w*|AggregationType|vmap|classproperty|factory_kwargs"
     r"|(alias|detach|diagonal|expand|narrow|permute|select|slice|split|split_with_sizes|squeeze"
     r"|t|transpose|unbind|unfold|unsqueeze|view)_copy"),
    ("DataPipes (moved out of PyTorch, to torchdata)",
     r"\w*DataPipe|DataChunk|functional_datapipe|guaranteed_datapipes_determinism"
     r"|non_deterministic|runtime_validation\w*|argument_validation"),
    ("storage, strides and memory formats (minigrad keeps a NumPy array, not a storage)",
     r"\w*[Ss]torage\w*|data_ptr|const_data_ptr|stride|storage_offset|\w*as_strided\w*"
     r"|\w*empty_strided|is_set_to|set_|resize\w*|channels_last\w*|legacy_contiguous_format"
     r"|dim_order|from_file|frombuffer|from_dlpack|to_dlpack"
     r"|PyTorch\w+|\w*Serializ\w*Context|ScriptModuleSerializer"),
    ("nested and named tensors",
     r"nested|jagged|is_nested|to_padded_tensor|names|rename\w*|refine_names|align_\w+"),
    ("spectral transforms (FFT, windows)",
     r"i?stft|\w+_window|has_spectral"),
    ("PyTorch's build and thread settings",
     r"has_(lapack|mkl|openmp)|compiled_with_cxx11_abi|get_file_path|\w*num_(interop_)?threads"
     r"|set_flush_denormal|\w*float32_matmul_precision"),
    ("deprecated in PyTorch",
     r"symeig|eig|lstsq|solve|matrix_rank|ger|volatile|reinforce|NLLLoss2d|Container|range"
     r"|cholesky|lu|triangular_solve"
     r"|upsample\w*|set_default_tensor_type|chain_matmul|frobenius_norm"
     r"|nuclear_norm"),
    ("ATen kernels behind a public function",
     r"native_\w+|constant_pad_nd|convolution|grid_sampler\w*|affine_grid_generator"
     r"|norm_except_dim|embedding_renorm_|conv_tbc|\w+_backward\w*"),
)

_OUT_OF_SCOPE = tuple((reason, re.compile(pattern)) for reason, pattern in OUT_OF_SCOPE)


def out_of_scope_reason(name: str) -> str | None:
    """The reason `name` is out of scope for minigrad, or None if it is simply not done yet."""
    for reason, pattern in _OUT_OF_SCOPE:
        if pattern.fullmatch(name):
            return reason
    return None


def resolve(path: str) -> Any:
    """The object at a dotted path ("torch.nn", "minigrad.Tensor"), or None if there is none."""
    module_path, _, attribute = path.rpartition(".")
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError as error:
        if error.name is None or not path.startswith(error.name):
            raise
    if not module_path:
        return None
    return getattr(resolve(module_path), attribute, None)


def _is_public(namespace: str, value: object, name: str) -> bool:
    """Whether `namespace.name` (bound to `value`) is a public name, by `PUBLIC_NAMES_RULE`."""
    if name.startswith("_") or isinstance(value, types.ModuleType):
        return False
    if namespace == "torch.Tensor":
        return True
    if isinstance(value, type) or callable(value):
        defined_in = getattr(value, "__module__", None) or ""
        if not (defined_in == "torch" or defined_in.startswith("torch.")):
            return False
        return not (isinstance(value, type) and namespace != "torch"
                    and not defined_in.startswith(namespace))
    return namespace == "torch" and not name.isupper()


def pytorch_names(namespace: str) -> list[str]:
    """The public names of one of PyTorch's namespaces, sorted."""
    space = resolve(namespace)
    return sorted(name for name in dir(space) if _is_public(namespace, getattr(space, name), name))


@dataclass
class Inventory:
    """One namespace: PyTorch's public names split into present, out of scope and not yet."""

    namespace: str
    minigrad_namespace: str
    present: list[str] = field(default_factory=list)
    not_yet: list[str] = field(default_factory=list)
    out_of_scope: dict[str, str] = field(default_factory=dict)  # name -> reason

    @property
    def total(self) -> int:
        return len(self.present) + len(self.not_yet) + len(self.out_of_scope)

    @property
    def coverage(self) -> float:
        """Percentage of the in-scope names (present or not yet) that minigrad has."""
        in_scope = len(self.present) + len(self.not_yet)
        return 100.0 * len(self.present) / in_scope if in_scope else 100.0


def inventory(namespace: str, minigrad_namespace: str) -> Inventory:
    """Compare one of PyTorch's namespaces with minigrad's."""
    ours = resolve(minigrad_namespace)
    result = Inventory(namespace, minigrad_namespace)
    for name in pytorch_names(namespace):
        # torch.linalg's names are the ones that replaced the deprecated top-level functions
        # (torch.solve -> torch.linalg.solve), and its cond is the condition number: no rule
        # applies there.
        reason = None if namespace == "torch.linalg" else out_of_scope_reason(name)
        if ours is not None and hasattr(ours, name):
            result.present.append(name)
        elif reason is not None:
            result.out_of_scope[name] = reason
        else:
            result.not_yet.append(name)
    return result


def inventories() -> list[Inventory]:
    """Every namespace of `NAMESPACES`, compared."""
    return [inventory(namespace, ours) for namespace, ours in NAMESPACES]


def summary_table(rows: list[Inventory]) -> str:
    """The summary table, one row per namespace and a total, in Markdown."""
    lines = ["| namespace | PyTorch names | minigrad has | out of scope | not yet | coverage |",
             "|---|---:|---:|---:|---:|---:|"]
    total = Inventory("**total**", "")
    for row in rows:
        total.present += row.present
        total.not_yet += row.not_yet
        total.out_of_scope.update({f"{row.namespace}.{k}": v for k, v in row.out_of_scope.items()})
    for row in [*rows, total]:
        name = row.namespace if row is total else f"`{row.namespace}`"
        lines.append(f"| {name} | {row.total} | {len(row.present)} | {len(row.out_of_scope)} "
                     f"| {len(row.not_yet)} | {row.coverage:.0f}% |")
    return "\n".join(lines)


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=100, break_long_words=False, break_on_hyphens=False)


def _names(names: list[str], heading: str = "") -> str:
    return _wrap(heading + ", ".join(f"`{name}`" for name in names)) or "(none)"


def render(rows: list[Inventory], torch_version: str) -> str:
    """The whole of docs/api-coverage.md."""
    parts = [
        f"# API coverage: minigrad against PyTorch {torch_version}",
        _wrap(f"Generated from PyTorch itself by `{COMMAND}`; do not edit by hand "
              "(tests/test_api_coverage.py fails when this file and the code disagree). Coverage "
              "is the share of the in-scope names (minigrad has + not yet) that minigrad has."),
        summary_table(rows),
        "## How names are counted",
        PUBLIC_NAMES_RULE,
        "\n".join(f"* {reason}: `{pattern}`" for reason, pattern in OUT_OF_SCOPE),
        _wrap("The rules do not apply to `torch.linalg`, whose names replaced the deprecated "
              "top-level ones (`torch.solve` became `torch.linalg.solve`)."),
    ]
    for row in rows:
        parts += [
            f"## `{row.namespace}`",
            f"### minigrad has ({len(row.present)}, as `{row.minigrad_namespace}`)",
            _names(row.present),
            f"### Not yet ({len(row.not_yet)})",
            _names(row.not_yet),
            f"### Out of scope ({len(row.out_of_scope)})",
        ]
        reasons = sorted(set(row.out_of_scope.values()), key=[r for r, _ in OUT_OF_SCOPE].index)
        parts += [_names(sorted(name for name, why in row.out_of_scope.items() if why == reason),
                         heading=f"**{reason}**: ")
                  for reason in reasons] or ["(none)"]
    return "\n\n".join(parts) + "\n"


def generate() -> str:
    """docs/api-coverage.md as the installed PyTorch and this minigrad make it now."""
    import torch

    return render(inventories(), torch.__version__.split("+")[0])


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `coverage` subcommand."""
    parser = subparsers.add_parser(
        "coverage",
        help="which of PyTorch's public names minigrad has (docs/api-coverage.md)",
        description=__doc__.splitlines()[0],
        epilog=f"example: {COMMAND}",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--markdown", action="store_true",
                      help="print the whole inventory instead of the summary table")
    what.add_argument("--write", action="store_true", help=f"regenerate {DOCUMENT.name}")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        import torch  # noqa: F401
    except ModuleNotFoundError:
        print("minigrad coverage: error: PyTorch is not installed (pip install torch)")
        return 2
    if args.write:
        DOCUMENT.write_text(generate())
        print(f"wrote {DOCUMENT}")
    elif args.markdown:
        print(generate(), end="")
    else:
        print(summary_table(inventories()))
    return 0
