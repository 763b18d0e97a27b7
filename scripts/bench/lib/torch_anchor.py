"""PyTorch anchor for `npm run bench -- predict`: the torchvision way on the same posters.

PIL decode -> Resize((size, size)) -> ToTensor -> Normalize, batches, eval() under no_grad, 2 threads.
Pretrained weights cannot be downloaded here: the weights are random (same architecture, same input
size, so the same work). Prints one JSON line: seconds from process start (imports and model build
included, like a cold `poster-tagger predict`) and the steady-state images/s of the loop.
"""
import json
import os
import sys
import time

T0 = time.perf_counter()
import torch  # noqa: E402
import torchvision  # noqa: E402
from PIL import Image  # noqa: E402
from torchvision import transforms  # noqa: E402


def main() -> None:
    arch, folder = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    torch.set_num_threads(threads)
    if arch == "inception_v3":
        model = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False)
        size = 299
    elif arch == "mobilenet_v2":
        model = torchvision.models.mobilenet_v2(weights=None)
        size = 224
    else:
        raise SystemExit(f"unknown arch {arch}")
    model.eval()
    tf = transforms.Compose(
        [
            transforms.Resize((size, size)),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ]
    )
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith((".jpg", ".jpeg", ".png")))
    batch = 8
    t_loop = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(files), batch):
            x = torch.stack([tf(Image.open(f).convert("RGB")) for f in files[i : i + batch]])
            model(x)
    end = time.perf_counter()
    print(
        json.dumps(
            {
                "arch": arch,
                "images": len(files),
                "seconds": end - T0,
                "loopSeconds": end - t_loop,
                "torch": torch.__version__,
                "threads": threads,
            }
        )
    )


main()
