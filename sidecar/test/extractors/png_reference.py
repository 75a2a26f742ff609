# Independent reference for the sidecar PNG reader: mean Rec. 601 luma of a non-interlaced 8-bit PNG,
# decoded with Python zlib and a separate unfilter implementation. Prints: path width height brightness.
import zlib,struct,sys
def ref(path):
    d=open(path,'rb').read()
    w,h,bd,ct,_,_,il=struct.unpack('>IIBBBBB',d[16:29])
    off=8; idat=b''
    while off<len(d):
        ln,=struct.unpack('>I',d[off:off+4]); t=d[off+4:off+8]
        if t==b'IDAT': idat+=d[off+8:off+8+ln]
        off+=12+ln
    raw=zlib.decompress(idat); ch={0:1,2:3,4:2,6:4}[ct]; bpp=ch*bd//8; st=w*bpp
    prev=bytearray(st); tot=0.0
    for y in range(h):
        f=raw[y*(st+1)]; line=bytearray(raw[y*(st+1)+1:(y+1)*(st+1)])
        for x in range(st):
            a=line[x-bpp] if x>=bpp else 0; b=prev[x]; c=prev[x-bpp] if x>=bpp else 0
            if f==1: line[x]=(line[x]+a)&255
            elif f==2: line[x]=(line[x]+b)&255
            elif f==3: line[x]=(line[x]+(a+b)//2)&255
            elif f==4:
                p=a+b-c; pa,pb,pc=abs(p-a),abs(p-b),abs(p-c)
                line[x]=(line[x]+(a if pa<=pb and pa<=pc else b if pb<=pc else c))&255
        for p in range(w):
            i=p*bpp
            tot+= (0.299*line[i]+0.587*line[i+1]+0.114*line[i+2])/255 if ch>=3 else line[i]/255
        prev=line
    print(path,w,h,repr(tot/(w*h)))
for p in sys.argv[1:]: ref(p)
