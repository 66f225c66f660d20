/// The timeline page's legend, style and script, inline so the page works offline.
extension HTMLTimeline {
    static let legend = """
    <p class="legend"><b>legend</b> \
    <span><svg width="12" height="12"><rect x="2" y="2" width="8" height="8" fill="#2a6fd6"/></svg>NDIS calls the driver</span> \
    <span><svg width="12" height="12"><circle cx="6" cy="6" r="4" fill="#555"/></svg>the driver calls NDIS</span> \
    <span><svg width="12" height="12"><circle cx="6" cy="6" r="3" fill="#9bc"/></svg>returned</span> \
    <span><svg width="12" height="12"><rect x="4" y="0" width="4" height="12" fill="#d9a400"/></svg>spin lock held (from its grant)</span> \
    <span><svg width="12" height="12"><circle cx="6" cy="6" r="4" fill="#bbb"/></svg>lock requested, waits</span> \
    <span><svg width="12" height="12"><rect x="3" y="0" width="6" height="12" fill="#cfe0f7"/></svg>in a call</span> \
    <span class="sw Paused">Paused</span><span class="sw Restarting">Restarting</span><span class="sw Running">Running</span>\
    <span class="sw Pausing">Pausing</span><span class="sw Attaching">Attaching</span><span class="sw Detached">Detached</span> \
    <span>\u{27F3} folded poll loop</span> <span>click an event or NBL: its path from allocation to free</span></p>
    """

    static let css = """
    body{font:13px/1.4 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;background:#fafafa;color:#222}
    header{padding:10px 16px;background:#fff}
    h1{font-size:17px;margin:0 0 4px} p{margin:2px 0} .clue{color:#555;font-style:italic} .verdict{color:#a00} code{background:#eee;padding:1px 4px}
    .legend span{margin-right:10px;white-space:nowrap} .legend svg{vertical-align:middle;margin-right:3px}
    .sw{padding:0 4px;border-radius:2px;font-size:11px}
    #bar{position:sticky;top:0;z-index:1;background:#fff;border-bottom:1px solid #ddd;padding:4px 16px 0;min-width:max-content}
    #bar label{margin-right:12px} #heads{display:block;margin-left:-16px}
    button{font:11px monospace;margin:1px;padding:0 3px;cursor:pointer} button.on{background:#fd0}
    svg text{font:11px monospace;fill:#333;paint-order:stroke;stroke:#fafafa;stroke-width:3px}
    #heads text{stroke:#fff} .lanename{font:bold 11px sans-serif;cursor:pointer} .lanedetail{font:9px sans-serif;fill:#666} .group{font:italic 11px sans-serif;fill:#666}
    .groupsep{stroke:#ccc} .lane{stroke:#bbb;stroke-dasharray:4 3} .lane.mod{stroke:#eee}
    .when{fill:#888} .ev{cursor:default} .ev[data-n]{cursor:pointer}
    .ev.cb rect{fill:#2a6fd6} .ev.call circle{fill:#555} .ev.ret circle{fill:#9bc} .ev.ret text{fill:#789}
    .ev.lock circle{fill:#d9a400} .ev.wait circle{fill:#bbb} .ev.wait text{fill:#888} .grant{fill:#d9a400}
    .ev.state rect{fill:#d80} .ev.state text{fill:#b60;font-weight:bold} .ev.pnp rect{fill:#8a2be2} .ev.pnp text{fill:#62a}
    .ev.fold text{fill:#a50;font-style:italic}
    .act rect{fill:#cfe0f7} .lock rect{fill:#d9a400}
    .st rect{opacity:.85} .st text{font:bold 10px sans-serif;stroke:none}
    .Running{fill:#9d9;background:#9d9} .Paused{fill:#bbb;background:#bbb} .Restarting{fill:#9cf;background:#9cf}
    .Pausing{fill:#fc8;background:#fc8} .Attaching{fill:#ddf;background:#ddf} .Detached{fill:#f99;background:#f99}
    .nbl{display:none} .nbl.on{display:inline} .nbl rect{fill:#e60} .nbl text{fill:#e60;font-weight:bold}
    .violation rect{fill:#fdd;stroke:#c00} .violation text{fill:#c00;font-weight:bold}
    svg.dim .ev{opacity:.2} svg.dim .ev.hit{opacity:1} .ev.hit circle,.ev.hit rect{fill:#e60} .ev.hit text{fill:#c40;font-weight:bold}
    svg.dense .ev text{display:none} svg.dense .ev.fold text,svg.dense .ev.hit text{display:inline}
    """

    /// Filter, zoom (slider or ctrl+wheel) and NBL highlight: rows are moved, never redrawn, so the script stays small.
    static let script = """
    (function(){
    var svg=document.getElementById('tl'),rows=[].slice.call(svg.querySelectorAll('.ev')),
      spans=[].slice.call(svg.querySelectorAll('.span')),lanes=[].slice.call(svg.querySelectorAll('.lane')),
      viol=svg.querySelector('.violation'),TOP=+svg.getAttribute('data-top'),H=22,q='',
      texts=rows.map(function(r){return r.textContent.toLowerCase()});
    function layout(){
      var y=TOP,first=[],last=[];
      rows.forEach(function(r,i){var vis=!q||texts[i].indexOf(q)>=0;r.style.display=vis?'':'none';
        first.push(y+H/2);if(vis){r.setAttribute('transform','translate(0,'+(y+H/2)+')');y+=H;}last.push(y-H/2);});
      spans.forEach(function(s){var a=+s.getAttribute('data-a'),b=+s.getAttribute('data-b'),y0=first[a]-H/2,y1=last[b]+H/2;
        var own=s.classList.contains('act')||s.classList.contains('lock'),
          shown=own?(rows[a].style.display!=='none'||rows[b].style.display!=='none'):y1>y0;
        s.style.visibility=shown&&y1>y0?'':'hidden';s.setAttribute('transform','translate(0,'+y0+')');
        s.querySelector('rect').setAttribute('height',Math.max(1,y1-y0));});
      lanes.forEach(function(l){l.setAttribute('y2',y)});
      if(viol)viol.setAttribute('transform','translate(0,'+(y+H)+')');
      svg.setAttribute('height',y+3*H);svg.classList.toggle('dense',H<12);
    }
    function pick(id){
      document.querySelectorAll('#nbls button').forEach(function(o){o.classList.toggle('on',o.getAttribute('data-nbl')===id&&id!=='')});
      svg.classList.toggle('dim',id!=='');
      rows.forEach(function(g){var ids=(g.getAttribute('data-n')||'').split(' ');g.classList.toggle('hit',id!==''&&ids.indexOf(id)>=0)});
      spans.forEach(function(s){if(s.classList.contains('nbl'))s.classList.toggle('on',s.getAttribute('data-nbl')===id)});
    }
    document.querySelectorAll('#nbls button').forEach(function(b){b.addEventListener('click',function(){pick(b.getAttribute('data-nbl'))})});
    svg.addEventListener('click',function(ev){var g=ev.target.closest('.ev');if(g&&g.getAttribute('data-n'))pick(g.getAttribute('data-n').split(' ')[0])});
    var qi=document.getElementById('q'),zi=document.getElementById('z');
    qi.addEventListener('input',function(){q=qi.value.toLowerCase();layout()});
    zi.addEventListener('input',function(){H=+zi.value;layout()});
    // Ctrl+wheel zooms about the row under the pointer (rows all have height H, so it stays put).
    svg.addEventListener('wheel',function(ev){if(!ev.ctrlKey)return;ev.preventDefault();
      var top=svg.getBoundingClientRect().top+TOP,r=(ev.clientY-top)/H,old=H;
      H=Math.max(+zi.min,Math.min(+zi.max,H+(ev.deltaY<0?2:-2)));if(H===old)return;zi.value=H;layout();
      window.scrollBy(0,r*(H-old));},{passive:false});
    document.querySelectorAll('.lanename').forEach(function(t){t.addEventListener('click',function(){
      qi.value=qi.value==='['+t.getAttribute('data-lane')+']'?'':'['+t.getAttribute('data-lane')+']';q=qi.value.toLowerCase();layout()})});
    var h=location.hash,m=/q=([^&]*)/.exec(h);if(m){qi.value=decodeURIComponent(m[1]);q=qi.value.toLowerCase()}
    m=/z=(\\d+)/.exec(h);if(m){zi.value=m[1];H=+zi.value}
    layout();m=/nbl=(\\d+)/.exec(h);if(m)pick(m[1]);
    })();
    """
}
